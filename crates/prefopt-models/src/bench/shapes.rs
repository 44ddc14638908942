//! [`BenchShape`]: the named model sizes of the benchmarks, as causal-LM architectures.

use crate::causal_lm::CausalLmConfig;

/// A named benchmark size, with random weights (speed does not depend on them). Each matches a
/// `SIZES` entry of `scripts/perf/torch_dpo_step.py` on top of transformers' `LlamaConfig`
/// defaults (RMSNorm epsilon 1e-6, rotary theta 1e4 unless given, 2048 positions, untied head
/// unless given, BOS 1, EOS 2), so both sides run the same computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchShape {
    /// Hidden 256, 4 layers, 4 query heads sharing 2 key/value heads, FFN 688, vocabulary 4096,
    /// untied head: the size of the project's quick benchmarks.
    Tiny,
    /// SmolLM2-135M's architecture (Allal et al. 2025, arXiv:2502.02737): hidden 576, 30
    /// layers, 9 query heads sharing 3 key/value heads, FFN 1536, vocabulary 49152, tied
    /// embeddings, rotary theta 1e5.
    Smollm2,
}

impl BenchShape {
    /// Every named size, in order.
    pub const ALL: [BenchShape; 2] = [BenchShape::Tiny, BenchShape::Smollm2];

    /// The shape called `name` (`tiny`, `smollm2`), if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|shape| shape.name() == name)
    }

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            BenchShape::Tiny => "tiny",
            BenchShape::Smollm2 => "smollm2",
        }
    }

    /// The architecture (head width = hidden / query heads, as in `LlamaConfig`).
    pub fn config(self) -> CausalLmConfig {
        let (vocab, hidden, ffn, layers, heads, kv_heads, theta, tied) = match self {
            BenchShape::Tiny => (4096, 256, 688, 4, 4, 2, 10_000.0, false),
            BenchShape::Smollm2 => (49_152, 576, 1536, 30, 9, 3, 100_000.0, true),
        };
        CausalLmConfig {
            vocab_size: vocab,
            hidden_size: hidden,
            intermediate_size: ffn,
            num_layers: layers,
            num_heads: heads,
            num_kv_heads: kv_heads,
            head_dim: hidden / heads,
            rope_theta: theta,
            rms_norm_eps: 1e-6,
            max_position_embeddings: 2048,
            tie_word_embeddings: tied,
            bos_token_id: Some(1),
            eos_token_id: Some(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_valid_and_named() {
        for shape in BenchShape::ALL {
            shape.config().validate(shape.name()).unwrap();
            assert_eq!(BenchShape::from_name(shape.name()), Some(shape));
        }
        assert_eq!(BenchShape::from_name("huge"), None);
        let smol = BenchShape::Smollm2.config();
        assert_eq!((smol.head_dim, smol.kv_width()), (64, 192));
        assert_eq!(BenchShape::Tiny.config().head_dim, 64);
    }
}
