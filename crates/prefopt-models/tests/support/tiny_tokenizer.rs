//! A word-level test tokenizer written to disk, shared by the tests that export models with
//! one (this crate's and the CLI's, which includes this file by path).

use prefopt_tokenizer::Tokenizer;
use serde_json::json;
use std::path::Path;

/// A word-level tokenizer of `vocab` tokens (`<unk>`, `<s>`, `</s>`, `t3`, `t4`, ...) saved
/// as tokenizer.json + tokenizer_config.json in `dir`.
pub fn tiny_tokenizer(dir: &Path, vocab: usize) -> Tokenizer {
    let mut words = serde_json::Map::new();
    for id in 0..vocab {
        let word = match id {
            0 => "<unk>".to_string(),
            1 => "<s>".to_string(),
            2 => "</s>".to_string(),
            id => format!("t{id}"),
        };
        words.insert(word, json!(id));
    }
    let tokenizer = json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
        "model": {"type": "WordLevel", "vocab": words, "unk_token": "<unk>"}
    });
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("tokenizer.json"), tokenizer.to_string()).unwrap();
    let config = json!({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"});
    std::fs::write(dir.join("tokenizer_config.json"), config.to_string()).unwrap();
    Tokenizer::from_file(dir.join("tokenizer.json")).unwrap()
}
