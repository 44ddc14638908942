//! A Llama-family causal language model on burn: architecture ([`CausalLmConfig`]), the module
//! ([`CausalLm`]), GGUF loading, per-token log-probs, cached decoding, LoRA adapters, and the
//! `causal_lm` policy plugin.

mod attention;
mod attention_bias;
mod block;
mod cache;
mod config;
mod error;
mod frozen;
mod generate;
pub mod hf;
mod load_gguf;
mod logps;
mod lora;
mod lora_checkpoint;
mod lora_export;
mod mlp;
mod model;
mod model_source;
mod pair_layout;
mod plugin;
mod policy;
mod qk_layout;
mod shared_prefix;

pub use attention::GroupedQueryAttention;
pub use block::DecoderBlock;
pub use cache::{KvCache, LayerCache};
pub use config::CausalLmConfig;
pub use error::CausalLmError;
pub use frozen::{FrozenCausalLm, visit_module_parameters};
pub use generate::generate_streaming;
pub use hf::{HfError, LoadedCausalLm, export_hf, load_model, load_tokenizer};
pub use load_gguf::{load_gguf, load_gguf_weights};
pub use logps::{logsumexp_rows, token_logps};
pub use lora::{
    LORA_TARGETS, LoraConfig, adapter_group, adapter_scalars, apply_lora, initialize_parameters,
    module_path,
};
pub use lora_checkpoint::{adapter_bytes, load_adapters, read_lora_settings, save_adapters};
pub use lora_export::{
    ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, PeftTensor, export_peft_adapters, peft_config_json,
    peft_tensors, projection_weight,
};
pub use mlp::FeedForward;
pub use model::CausalLm;
pub use model_source::validate_model_source;
pub use plugin::{CausalLmPolicyConfig, load_policy};
pub use policy::CausalLmPolicy;
pub use qk_layout::{
    hf_rows_for_internal, hf_to_internal_qk, internal_rows_for_hf, internal_to_hf_qk,
};
pub use shared_prefix::{
    PairForward, pair_sequence_logps, shared_pair_token_logps, shared_prefix_token_logps,
};
