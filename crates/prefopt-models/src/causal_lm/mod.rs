//! A Llama-family causal language model on burn: architecture ([`CausalLmConfig`]), the module
//! ([`CausalLm`]), GGUF loading, per-token log-probs, cached decoding, and the `causal_lm`
//! policy plugin.

mod attention;
mod block;
mod cache;
mod config;
mod error;
mod frozen;
mod generate;
pub mod hf;
mod load_gguf;
mod logps;
mod mlp;
mod model;
mod plugin;
mod policy;
mod qk_layout;

pub use attention::GroupedQueryAttention;
pub use block::DecoderBlock;
pub use cache::{KvCache, LayerCache};
pub use config::CausalLmConfig;
pub use error::CausalLmError;
pub use frozen::FrozenCausalLm;
pub use generate::generate_streaming;
pub use hf::{HfError, LoadedCausalLm, export_hf, load_model, load_tokenizer};
pub use load_gguf::{load_gguf, load_gguf_weights};
pub use logps::{logsumexp_rows, token_logps};
pub use mlp::FeedForward;
pub use model::CausalLm;
pub use plugin::{CausalLmPolicyConfig, load_policy};
pub use policy::CausalLmPolicy;
pub use qk_layout::{
    hf_rows_for_internal, hf_to_internal_qk, internal_rows_for_hf, internal_to_hf_qk,
};
