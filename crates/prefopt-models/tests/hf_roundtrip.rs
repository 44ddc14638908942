//! Hugging Face model directories: export then import gives the same model (tiny random models,
//! tied and untied, and SmolLM2 from its GGUF file), and broken directories fail naming the
//! file and the field or tensor.

use prefopt_core::burn::tensor::{Device, Int, Tensor, TensorData};
use prefopt_models::assets::smollm2_gguf_path;
use prefopt_models::causal_lm::hf::{CONFIG_FILE, WEIGHTS_FILE, read_header};
use prefopt_models::causal_lm::{CausalLm, CausalLmConfig, CausalLmPolicy, export_hf, load_model};
use prefopt_tokenizer::Tokenizer;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

use crate::tiny_tokenizer::tiny_tokenizer;

fn logits(model: &CausalLm, ids: &[u32]) -> Vec<f32> {
    let ids: Vec<i64> = ids.iter().map(|&id| id as i64).collect();
    let tokens = Tensor::<2, Int>::from_data(
        TensorData::new(ids.clone(), [1, ids.len()]),
        &Device::default(),
    );
    model
        .forward(tokens)
        .into_data()
        .try_into_vec_as::<f32>()
        .unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A tiny random model exported to `<dir>/model`; returns the model and the directory.
fn export_tiny(dir: &Path, tied: bool, seed: u64) -> (CausalLmPolicy, PathBuf) {
    let config = CausalLmConfig {
        tie_word_embeddings: tied,
        ..CausalLmConfig::tiny()
    };
    let policy = CausalLmPolicy::random(config, seed, &Device::default()).unwrap();
    let tokenizer = tiny_tokenizer(&dir.join("tokenizer"), policy.config().vocab_size);
    let out = dir.join("model");
    export_hf(policy.model(), policy.config(), &tokenizer, &out, false).unwrap();
    (policy, out)
}

#[test]
fn tiny_models_round_trip_exactly() {
    for tied in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let (policy, out) = export_tiny(dir.path(), tied, 7);
        let config: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(CONFIG_FILE)).unwrap()).unwrap();
        assert_eq!(config["architectures"], json!(["LlamaForCausalLM"]));
        assert_eq!(
            (
                config["model_type"].as_str(),
                config["torch_dtype"].as_str()
            ),
            (Some("llama"), Some("float32"))
        );
        let header = read_header(&out.join(WEIGHTS_FILE)).unwrap();
        assert_eq!(header.contains_key("lm_head.weight"), !tied);
        assert!(header.values().all(|entry| entry.dtype == "F32"));
        assert_eq!(
            header["model.layers.1.mlp.gate_proj.weight"].shape,
            vec![48, 32]
        );
        for file in [
            "tokenizer.json",
            "tokenizer_config.json",
            "generation_config.json",
        ] {
            assert!(out.join(file).is_file(), "{file} missing");
        }

        let loaded = load_model(&out, &Device::default()).unwrap();
        assert_eq!(&loaded.config, policy.config());
        assert_eq!(loaded.stop_token_ids, vec![2]);
        assert_eq!(
            loaded.tokenizer.encode("t5 t9 t63", false).unwrap(),
            vec![5, 9, 63]
        );
        let ids = [1, 17, 5, 42, 63, 0, 8, 8, 30];
        let diff = max_abs_diff(&logits(policy.model(), &ids), &logits(&loaded.model, &ids));
        assert!(diff < 1e-6, "tied = {tied}: logits differ by {diff}");
    }
}

#[test]
fn export_refuses_a_non_empty_directory_unless_overwriting() {
    let dir = tempfile::tempdir().unwrap();
    let (policy, out) = export_tiny(dir.path(), true, 3);
    let tokenizer = Tokenizer::from_file(out.join("tokenizer.json")).unwrap();
    let error = export_hf(policy.model(), policy.config(), &tokenizer, &out, false)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("not empty") && error.contains("--overwrite"),
        "{error}"
    );
    std::fs::write(out.join("stale.txt"), "old").unwrap();
    export_hf(policy.model(), policy.config(), &tokenizer, &out, true).unwrap();
    assert!(
        !out.join("stale.txt").exists(),
        "the old directory is replaced, not merged"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary siblings remain: {leftovers:?}"
    );
}

/// Rewrites the JSON header of a safetensors file, keeping its data.
fn rewrite_header(path: &Path, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    let bytes = std::fs::read(path).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header: serde_json::Map<String, Value> =
        serde_json::from_slice(&bytes[8..8 + header_len]).unwrap();
    edit(&mut header);
    let header = serde_json::to_vec(&header).unwrap();
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&header);
    out.extend_from_slice(&bytes[8 + header_len..]);
    std::fs::write(path, out).unwrap();
}

fn edit_config(dir: &Path, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) {
    let path = dir.join(CONFIG_FILE);
    let mut config: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut config);
    std::fs::write(&path, Value::Object(config).to_string()).unwrap();
}

fn load_error(dir: &Path) -> String {
    load_model(dir, &Device::default()).unwrap_err().to_string()
}

#[test]
fn broken_directories_name_the_file_and_the_field_or_tensor() {
    let dir = tempfile::tempdir().unwrap();
    let (_, out) = export_tiny(dir.path(), false, 5);
    let copy = |name: &str| {
        let target = dir.path().join(name);
        std::fs::create_dir(&target).unwrap();
        for entry in std::fs::read_dir(&out).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), target.join(entry.file_name())).unwrap();
        }
        target
    };

    let missing_field = copy("missing_field");
    edit_config(&missing_field, |config| drop(config.remove("hidden_size")));
    let error = load_error(&missing_field);
    assert!(
        error.contains("config.json")
            && error.contains("`hidden_size`")
            && error.contains("missing"),
        "{error}"
    );

    let wrong_type = copy("wrong_type");
    edit_config(&wrong_type, |config| {
        drop(config.insert("num_hidden_layers".into(), json!("two")))
    });
    let error = load_error(&wrong_type);
    assert!(
        error.contains("config.json")
            && error.contains("`num_hidden_layers`")
            && error.contains("\"two\""),
        "{error}"
    );

    let mistral = copy("mistral");
    edit_config(&mistral, |config| {
        drop(config.insert("model_type".into(), json!("mistral")))
    });
    let error = load_error(&mistral);
    assert!(
        error.contains("`model_type`") && error.contains("\"mistral\""),
        "{error}"
    );

    let biased = copy("biased");
    edit_config(&biased, |config| {
        drop(config.insert("attention_bias".into(), json!(true)))
    });
    let error = load_error(&biased);
    assert!(error.contains("`attention_bias`"), "{error}");

    let wrong_shape = copy("wrong_shape");
    edit_config(&wrong_shape, |config| {
        drop(config.insert("intermediate_size".into(), json!(40)))
    });
    let error = load_error(&wrong_shape);
    assert!(
        error.contains("model.safetensors")
            && error.contains("`model.layers.0.mlp.gate_proj.weight`")
            && error.contains("[48, 32]")
            && error.contains("[40, 32]"),
        "{error}"
    );

    let missing_tensor = copy("missing_tensor");
    rewrite_header(&missing_tensor.join(WEIGHTS_FILE), |header| {
        let entry = header
            .remove("model.layers.1.self_attn.k_proj.weight")
            .unwrap();
        header.insert(
            "model.layers.1.self_attn.k_proj.weight.renamed".into(),
            entry,
        );
    });
    let error = load_error(&missing_tensor);
    assert!(
        error.contains("model.safetensors")
            && error.contains("`model.layers.1.self_attn.k_proj.weight` is missing")
            && error.contains("[16, 32]"),
        "{error}"
    );

    let truncated = copy("truncated");
    let weights = truncated.join(WEIGHTS_FILE);
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() - 100]).unwrap();
    let error = load_error(&truncated);
    assert!(
        error.contains("model.safetensors")
            && error.contains("truncated")
            && error.contains("tensor `"),
        "{error}"
    );
}

#[test]
fn smollm2_exported_and_reimported_gives_the_same_logits() {
    let gguf = smollm2_gguf_path().unwrap_or_else(|error| panic!("{error}"));
    let device = Device::default();
    let original = load_model(&gguf, &device).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("smollm2");
    export_hf(
        &original.model,
        &original.config,
        &original.tokenizer,
        &out,
        false,
    )
    .unwrap();
    let reloaded = load_model(&out, &device).unwrap();
    assert_eq!(reloaded.config, original.config);
    assert_eq!(reloaded.stop_token_ids, original.stop_token_ids);
    let prompt = "What is the capital of France?";
    let ids = original.tokenizer.encode(prompt, false).unwrap();
    assert_eq!(
        ids,
        vec![1780, 314, 260, 3575, 282, 4649, 47],
        "the golden prompt's ids"
    );
    assert_eq!(reloaded.tokenizer.encode(prompt, false).unwrap(), ids);
    let diff = max_abs_diff(
        &logits(&original.model, &ids),
        &logits(&reloaded.model, &ids),
    );
    assert!(diff < 1e-6, "logits differ by {diff}");
}
