//! Files that cannot be used: each error names the file and the key or field.

use prefopt_tokenizer::{Tokenizer, TokenizerError};
use std::path::Path;

fn gguf_string(bytes: &mut Vec<u8>, text: &str) {
    bytes.extend((text.len() as u64).to_le_bytes());
    bytes.extend(text.as_bytes());
}

/// A GGUF v3 file with no tensors and the given string metadata.
fn write_gguf(path: &Path, metadata: &[(&str, &str)]) {
    let mut bytes = b"GGUF".to_vec();
    bytes.extend(3u32.to_le_bytes());
    bytes.extend(0u64.to_le_bytes());
    bytes.extend((metadata.len() as u64).to_le_bytes());
    for (key, value) in metadata {
        gguf_string(&mut bytes, key);
        bytes.extend(8u32.to_le_bytes()); // string
        gguf_string(&mut bytes, value);
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_missing_tokenizer_json_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nowhere").join("tokenizer.json");
    let error = Tokenizer::from_file(&path).unwrap_err();
    assert!(matches!(error, TokenizerError::Io { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
}

#[test]
fn a_malformed_tokenizer_json_names_the_file_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokenizer.json");
    std::fs::write(&path, "{\n  \"model\": {\"type\": \"BPE\",\n").unwrap();
    let error = Tokenizer::from_file(&path).unwrap_err().to_string();
    assert!(error.contains(&path.display().to_string()), "{error}");
    assert!(error.contains("line"), "{error}");

    std::fs::write(
        &path,
        r#"{"version": "1.0", "model": {"type": "NoSuchModel"}}"#,
    )
    .unwrap();
    let error = Tokenizer::from_file(&path).unwrap_err().to_string();
    assert!(error.contains("not a usable tokenizer.json"), "{error}");
}

#[test]
fn a_tokenizer_config_naming_an_unknown_token_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tokenizer = r#"{"version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": null, "pre_tokenizer": null, "post_processor": null, "decoder": null,
        "model": {"type": "WordLevel", "vocab": {"a": 0, "<eos>": 1}, "unk_token": "<eos>"}}"#;
    std::fs::write(dir.path().join("tokenizer.json"), tokenizer).unwrap();
    std::fs::write(
        dir.path().join("tokenizer_config.json"),
        r#"{"eos_token": "</s>"}"#,
    )
    .unwrap();
    let error = Tokenizer::from_file(dir.path().join("tokenizer.json"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("tokenizer_config.json")
            && error.contains("`eos_token`")
            && error.contains("</s>"),
        "{error}"
    );

    std::fs::write(
        dir.path().join("tokenizer_config.json"),
        r#"{"eos_token": "<eos>", "chat_template": "{% if %}"}"#,
    )
    .unwrap();
    let error = Tokenizer::from_file(dir.path().join("tokenizer.json"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("chat template from") && error.contains("tokenizer_config.json"),
        "{error}"
    );
}

#[test]
fn a_gguf_without_tokenizer_keys_names_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weights-only.gguf");
    write_gguf(&path, &[("general.architecture", "llama")]);
    let error = Tokenizer::from_gguf_path(&path).unwrap_err().to_string();
    assert!(error.contains("weights-only.gguf"), "{error}");
    assert!(error.contains("tokenizer.ggml.model"), "{error}");
    assert!(error.contains("no tokenizer"), "{error}");
}

#[test]
fn a_gguf_with_a_model_but_no_tokens_names_the_missing_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spm.gguf");
    write_gguf(&path, &[("tokenizer.ggml.model", "llama")]);
    let error = Tokenizer::from_gguf_path(&path).unwrap_err().to_string();
    assert!(
        error.contains("spm.gguf") && error.contains("tokenizer.ggml.tokens"),
        "{error}"
    );
}

#[test]
fn a_file_that_is_not_gguf_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not.gguf");
    std::fs::write(&path, b"PK\x03\x04 zip, not gguf").unwrap();
    let error = Tokenizer::from_gguf_path(&path).unwrap_err().to_string();
    assert!(error.contains("not.gguf"), "{error}");
}
