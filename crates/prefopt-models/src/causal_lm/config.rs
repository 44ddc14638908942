//! [`CausalLmConfig`]: the architecture of a Llama-family causal language model.

use super::error::CausalLmError;
use prefopt_gguf::{GgufError, GgufFile};
use serde::{Deserialize, Serialize};

/// The architecture of a Llama-family decoder (Touvron et al. 2023, arXiv:2302.13971): token
/// embedding, `num_layers` pre-norm blocks of grouped-query attention with rotary position
/// embeddings and a SwiGLU MLP, a final RMSNorm and a (possibly tied) output head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CausalLmConfig {
    /// Vocabulary size (rows of the token embedding).
    pub vocab_size: usize,
    /// Model width `d_model`.
    pub hidden_size: usize,
    /// Width of the SwiGLU MLP.
    pub intermediate_size: usize,
    /// Number of decoder blocks.
    pub num_layers: usize,
    /// Query heads.
    pub num_heads: usize,
    /// Key/value heads (grouped-query attention; equal to `num_heads` for multi-head attention).
    pub num_kv_heads: usize,
    /// Width of one head (even: rotary embeddings rotate pairs).
    pub head_dim: usize,
    /// Rotary base `theta` (RoFormer, Su et al. 2021, arXiv:2104.09864, eq. 15).
    pub rope_theta: f64,
    /// RMSNorm epsilon (Zhang & Sennrich 2019, arXiv:1910.07467, eq. 4).
    pub rms_norm_eps: f64,
    /// The longest sequence (prompt and completion) the rotary table covers.
    pub max_position_embeddings: usize,
    /// Whether the output head reuses the token embedding.
    pub tie_word_embeddings: bool,
    /// Beginning-of-sequence token, if the model has one.
    #[serde(default)]
    pub bos_token_id: Option<u32>,
    /// End-of-sequence token, if the model has one.
    #[serde(default)]
    pub eos_token_id: Option<u32>,
}

impl CausalLmConfig {
    /// A tiny architecture for tests: vocabulary 64, width 32, 2 blocks, 4 query heads sharing
    /// 2 key/value heads, MLP width 48, tied head.
    pub fn tiny() -> Self {
        Self {
            vocab_size: 64,
            hidden_size: 32,
            intermediate_size: 48,
            num_layers: 2,
            num_heads: 4,
            num_kv_heads: 2,
            head_dim: 8,
            rope_theta: 10_000.0,
            rms_norm_eps: 1e-5,
            max_position_embeddings: 128,
            tie_word_embeddings: true,
            bos_token_id: Some(1),
            eos_token_id: Some(2),
        }
    }

    /// The width of all query heads together, `num_heads * head_dim`: the output width of `W_q`
    /// and the input width of `W_o`.
    pub fn q_width(&self) -> usize {
        self.num_heads * self.head_dim
    }

    /// The width of all key/value heads together, `num_kv_heads * head_dim`: the output width of
    /// `W_k` and `W_v`.
    pub fn kv_width(&self) -> usize {
        self.num_kv_heads * self.head_dim
    }

    /// Query heads per key/value head.
    pub fn kv_groups(&self) -> usize {
        self.num_heads / self.num_kv_heads
    }

    /// Checks that the sizes fit together; `source` names where they come from in errors.
    pub fn validate(&self, source: &str) -> Result<(), CausalLmError> {
        let error = |field: &str, message: String| CausalLmError::Config {
            origin: source.to_string(),
            field: field.to_string(),
            message,
        };
        let positive = [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("intermediate_size", self.intermediate_size),
            ("num_layers", self.num_layers),
            ("num_heads", self.num_heads),
            ("num_kv_heads", self.num_kv_heads),
            ("head_dim", self.head_dim),
            ("max_position_embeddings", self.max_position_embeddings),
        ];
        for (field, value) in positive {
            if value == 0 {
                return Err(error(field, "must be at least 1".into()));
            }
        }
        if !self.num_heads.is_multiple_of(self.num_kv_heads) {
            return Err(error(
                "num_kv_heads",
                format!(
                    "{} must divide num_heads = {}",
                    self.num_kv_heads, self.num_heads
                ),
            ));
        }
        if !self.head_dim.is_multiple_of(2) {
            return Err(error(
                "head_dim",
                format!("{} must be even (rotary pairs)", self.head_dim),
            ));
        }
        if !(self.rope_theta.is_finite() && self.rope_theta > 0.0) {
            return Err(error(
                "rope_theta",
                format!("{} must be a positive number", self.rope_theta),
            ));
        }
        if !(self.rms_norm_eps.is_finite() && self.rms_norm_eps > 0.0) {
            return Err(error(
                "rms_norm_eps",
                format!("{} must be a positive number", self.rms_norm_eps),
            ));
        }
        for (field, id) in [
            ("bos_token_id", self.bos_token_id),
            ("eos_token_id", self.eos_token_id),
        ] {
            if let Some(id) = id
                && id as usize >= self.vocab_size
            {
                return Err(error(
                    field,
                    format!("{id} is outside the vocabulary of {}", self.vocab_size),
                ));
            }
        }
        Ok(())
    }

    /// Reads the architecture from a GGUF file's `llama.*` metadata (refusing any other
    /// `general.architecture`); the head is tied when the file has no `output.weight`.
    pub fn from_gguf_metadata(file: &GgufFile) -> Result<Self, CausalLmError> {
        let architecture = file.get_str("general.architecture")?;
        if architecture != "llama" {
            return Err(CausalLmError::Architecture {
                path: file.path().to_path_buf(),
                found: architecture.to_string(),
            });
        }
        let optional_u32 = |key: &str| -> Result<Option<u32>, GgufError> {
            if file.contains(key) {
                file.get_u32(key).map(Some)
            } else {
                Ok(None)
            }
        };
        let optional_f32 = |key: &str| -> Result<Option<f32>, GgufError> {
            if file.contains(key) {
                file.get_f32(key).map(Some)
            } else {
                Ok(None)
            }
        };
        let hidden_size = file.get_u32("llama.embedding_length")? as usize;
        let num_heads = file.get_u32("llama.attention.head_count")? as usize;
        let num_kv_heads =
            optional_u32("llama.attention.head_count_kv")?.map_or(num_heads, |n| n as usize);
        let source = file.path().display().to_string();
        if num_heads == 0 {
            return Err(CausalLmError::Config {
                origin: source,
                field: "llama.attention.head_count".into(),
                message: "must be at least 1".into(),
            });
        }
        let head_dim = optional_u32("llama.attention.key_length")?
            .map_or(hidden_size / num_heads, |n| n as usize);
        if let Some(rotary) = optional_u32("llama.rope.dimension_count")?
            && rotary as usize != head_dim
        {
            return Err(CausalLmError::Config {
                origin: source,
                field: "llama.rope.dimension_count".into(),
                message: format!(
                    "{rotary}: expected the head width {head_dim} (partial rotary embeddings are not supported)"
                ),
            });
        }
        let vocab_size = match optional_u32("llama.vocab_size")? {
            Some(size) => size as usize,
            None => match file.tensor_info("token_embd.weight") {
                Some(info) => info.shape[0],
                None => file.get_str_array("tokenizer.ggml.tokens")?.len(),
            },
        };
        let config = Self {
            vocab_size,
            hidden_size,
            intermediate_size: file.get_u32("llama.feed_forward_length")? as usize,
            num_layers: file.get_u32("llama.block_count")? as usize,
            num_heads,
            num_kv_heads,
            head_dim,
            rope_theta: optional_f32("llama.rope.freq_base")?.map_or(10_000.0, f64::from),
            rms_norm_eps: optional_f32("llama.attention.layer_norm_rms_epsilon")?
                .map_or(1e-5, f64::from),
            max_position_embeddings: optional_u32("llama.context_length")?
                .map_or(2048, |n| n as usize),
            tie_word_embeddings: file.tensor_info("output.weight").is_none(),
            bos_token_id: optional_u32("tokenizer.ggml.bos_token_id")?,
            eos_token_id: optional_u32("tokenizer.ggml.eos_token_id")?,
        };
        config.validate(&source)?;
        Ok(config)
    }
}
