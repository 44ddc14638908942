//! Shared by the integration tests: the real SmolLM2 GGUF and the golden values.

#![allow(dead_code)]

use prefopt_core::assets::smollm2_gguf_path;
use prefopt_tokenizer::Tokenizer;
use std::path::PathBuf;
use std::sync::OnceLock;

/// `$PREFOPT_CACHE/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf` (else under `~/.cache/prefopt`);
/// panics, failing the test, with what to run when it is absent.
pub fn smollm2_gguf() -> PathBuf {
    smollm2_gguf_path().unwrap_or_else(|error| panic!("{error}"))
}

/// The tokenizer of the real SmolLM2 GGUF, loaded once per test binary.
pub fn smollm2() -> &'static Tokenizer {
    static TOKENIZER: OnceLock<Tokenizer> = OnceLock::new();
    TOKENIZER.get_or_init(|| {
        Tokenizer::from_gguf_path(smollm2_gguf())
            .unwrap_or_else(|e| panic!("loading the SmolLM2 tokenizer: {e}"))
    })
}

/// One case of `tests/data/golden/smollm2_135m.json` (computed by Hugging Face transformers).
#[derive(Debug, serde::Deserialize)]
pub struct GoldenCase {
    pub prompt: String,
    pub completion: String,
    pub prompt_ids: Vec<u32>,
    pub completion_ids: Vec<u32>,
    pub greedy_ids: Vec<u32>,
    pub greedy_text: String,
}

#[derive(serde::Deserialize)]
struct GoldenFile {
    cases: Vec<GoldenCase>,
}

/// The golden cases, read from the workspace's `tests/data/golden`.
pub fn golden_cases() -> Vec<GoldenCase> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/golden/smollm2_135m.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: GoldenFile =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(!file.cases.is_empty(), "{} has no cases", path.display());
    file.cases
}
