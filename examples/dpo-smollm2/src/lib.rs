//! DPO on language models from a config: `tiny.toml` (a tiny random model over a byte-level
//! tokenizer, seconds) and `smollm2.toml` (LoRA on SmolLM2-135M-Instruct with LLaMA-Factory's
//! 300 real pairs). See this example's README for how to run them and what they show.

use std::path::PathBuf;

/// The repository root, where the configs' relative paths start.
pub fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The path of one of this example's configs.
pub fn config_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name)
}
