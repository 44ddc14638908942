//! The causal LM: layout, log-probabilities, cache, generation, LoRA and export: one test binary.
//! The golden test against transformers is its own target so the libtorch build can run it alone.

#[path = "support/tiny_tokenizer.rs"]
mod tiny_tokenizer;

mod causal_lm_cache;
mod causal_lm_generate;
mod causal_lm_gguf;
mod causal_lm_layout;
mod causal_lm_logps;
mod causal_lm_lora;
mod causal_lm_plugin;
mod causal_lm_shared_prefix;
mod hf_roundtrip;
