//! [`CausalLm`]: the burn module of a Llama-family decoder.

use super::block::DecoderBlock;
use super::cache::KvCache;
use super::config::CausalLmConfig;
use prefopt_core::burn;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::nn::{
    Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig, RmsNorm, RmsNormConfig,
    RotaryEncoding, RotaryEncodingConfig,
};
use prefopt_core::burn::tensor::{Bool, Device, Int, Tensor};

/// A Llama-family causal language model (Touvron et al. 2023, arXiv:2302.13971):
/// `logits = head(norm(blocks(embed(tokens))))`, the head tied to the embedding when
/// [`head`](Self::head) is `None`.
#[derive(Module, Debug)]
pub struct CausalLm {
    /// Token embedding `[vocab, hidden]`.
    pub embedding: Embedding,
    /// The decoder blocks.
    pub blocks: Vec<DecoderBlock>,
    /// The final RMSNorm.
    pub norm: RmsNorm,
    /// An untied output head `[hidden, vocab]`; `None` when tied to the embedding.
    pub head: Option<Linear>,
    /// The rotary table shared by every block (a constant, not a parameter).
    pub rope: RotaryEncoding,
}

/// transformers' Llama initialization (`initializer_range = 0.02`): N(0, 0.02^2).
pub fn weight_initializer() -> Initializer {
    Initializer::Normal {
        mean: 0.0,
        std: 0.02,
    }
}

impl CausalLm {
    /// A randomly initialized model, as transformers' `LlamaPreTrainedModel._init_weights`:
    /// every embedding and projection weight drawn from N(0, 0.02^2) ([`weight_initializer`]),
    /// norms at 1 (seed with `device.seed`). A tied head then starts with logits near 0, so a
    /// random model samples diversely. Parameters are initialized lazily, so loading weights
    /// over them costs nothing extra.
    pub fn init(config: &CausalLmConfig, device: &Device) -> Self {
        Self {
            embedding: EmbeddingConfig::new(config.vocab_size, config.hidden_size)
                .with_initializer(weight_initializer())
                .init(device),
            blocks: (0..config.num_layers)
                .map(|_| DecoderBlock::init(config, device))
                .collect(),
            norm: RmsNormConfig::new(config.hidden_size)
                .with_epsilon(config.rms_norm_eps)
                .init(device),
            head: (!config.tie_word_embeddings).then(|| {
                LinearConfig::new(config.hidden_size, config.vocab_size)
                    .with_bias(false)
                    .with_initializer(weight_initializer())
                    .init(device)
            }),
            rope: RotaryEncodingConfig::new(config.max_position_embeddings, config.head_dim)
                .with_theta(config.rope_theta as f32)
                .init(device),
        }
    }

    /// The longest sequence (cached positions included) the rotary table covers.
    pub fn max_positions(&self) -> usize {
        self.rope.freq_complex.dims()[0]
    }

    /// The vocabulary size.
    pub fn vocab_size(&self) -> usize {
        self.embedding.weight.dims()[0]
    }

    /// The final hidden states (after the last RMSNorm) of `tokens`, the first at position
    /// `cache.len()` (0 without a cache). `key_padding` (`true` = padding) covers the cached
    /// and new positions; without it every position is a real token.
    ///
    /// # Panics
    /// When the cached and new positions exceed [`max_positions`](Self::max_positions).
    ///
    /// # Shapes
    /// * `tokens`: `[batch, seq]` -> `[batch, seq, hidden]`
    /// * `key_padding`: `[batch, cached_len + seq]`
    pub fn forward_hidden(
        &self,
        tokens: Tensor<2, Int>,
        key_padding: Option<&Tensor<2, Bool>>,
        mut cache: Option<&mut KvCache>,
    ) -> Tensor<3> {
        let start = cache.as_ref().map_or(0, |cache| cache.len());
        let end = start + tokens.dims()[1];
        assert!(
            end <= self.max_positions(),
            "a sequence of {end} positions exceeds the model's {} (max_position_embeddings)",
            self.max_positions()
        );
        let mut x = self.embedding.forward(tokens);
        for (index, block) in self.blocks.iter().enumerate() {
            let layer_cache = cache
                .as_deref_mut()
                .map(|cache| &mut cache.layers_mut()[index]);
            x = block.forward(x, &self.rope, start, key_padding, layer_cache);
        }
        self.norm.forward(x)
    }

    /// Next-token logits from final hidden states: the head, or the transposed embedding when
    /// tied.
    ///
    /// # Shapes
    /// `[rows, hidden]` -> `[rows, vocab]`
    pub fn logits(&self, hidden: Tensor<2>) -> Tensor<2> {
        match &self.head {
            Some(head) => head.forward(hidden),
            None => hidden.matmul(self.embedding.weight.val().transpose()),
        }
    }

    /// Next-token logits at every position of `tokens` (no cache, no padding).
    ///
    /// # Shapes
    /// `[batch, seq]` -> `[batch, seq, vocab]`
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let hidden = self.forward_hidden(tokens, None, None);
        let [batch, seq, width] = hidden.dims();
        self.logits(hidden.reshape([batch * seq, width]))
            .reshape([batch, seq, self.vocab_size()])
    }
}
