//! `prefopt export --checkpoint`: a LoRA policy's adapter checkpoint over its base model,
//! exported merged (a Hugging Face directory with the policy's log-probs) or as PEFT adapters
//! (`--adapters-only`); a whole model's checkpoint has no adapters to write alone.

use crate::common;

use common::{prefopt, read_json};
use prefopt::burn::optim::AdamConfig;
use prefopt::burn::tensor::Device;
use prefopt::models::causal_lm::{
    CausalLmConfig, CausalLmPolicy, LoraConfig, export_hf, load_model,
};
use prefopt::{Policy, SequenceBatch};
use serde_json::json;

use crate::tiny_tokenizer::tiny_tokenizer;

fn batch(device: &Device) -> SequenceBatch {
    SequenceBatch::from_ids(
        &[vec![1, 5, 9], vec![1, 40]],
        &[vec![7, 8, 2], vec![11, 2]],
        0,
        device,
    )
    .unwrap()
}

fn values(tensor: prefopt::burn::tensor::Tensor<2>) -> Vec<f32> {
    tensor.into_data().try_into_vec_as::<f32>().unwrap()
}

#[test]
fn a_lora_checkpoint_exports_merged_or_as_peft_adapters() {
    let dir = tempfile::tempdir().unwrap();
    let plain = Device::default();
    // The base model as a Hugging Face directory, then a LoRA policy trained over it.
    let base = CausalLmPolicy::random(CausalLmConfig::tiny(), 1, &plain).unwrap();
    let tokenizer = tiny_tokenizer(&dir.path().join("tokenizer"), 64);
    let base_dir = dir.path().join("base");
    export_hf(base.model(), base.config(), &tokenizer, &base_dir, false).unwrap();
    let device = Device::default().autodiff();
    let lora = LoraConfig {
        rank: 2,
        alpha: 4.0,
        targets: vec!["q_proj".into(), "down_proj".into()],
    };
    let mut policy = load_model(&base_dir, &device)
        .unwrap()
        .into_policy()
        .with_lora(&lora, 3)
        .unwrap();
    let mut optimizer = AdamConfig::new().init();
    for _ in 0..3 {
        let grads = (-policy.sequence_logps(&batch(&device)).sum()).backward();
        policy.apply_gradients(&mut optimizer, 0.05, grads);
    }
    let checkpoint = dir.path().join("policy.bpk");
    policy.save_checkpoint(&checkpoint).unwrap();

    let merged_dir = dir.path().join("merged");
    let output = prefopt(&[
        "export",
        "--model",
        base_dir.to_str().unwrap(),
        "--checkpoint",
        checkpoint.to_str().unwrap(),
        "--out",
        merged_dir.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("LoRA adapters merged"), "{stdout}");
    let merged = load_model(&merged_dir, &plain).unwrap().into_policy();
    let expected = values(policy.token_logps(&batch(&device)).inner());
    let found = values(merged.token_logps(&batch(&plain)));
    let diff = expected
        .iter()
        .zip(&found)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(diff < 1e-4, "merged export differs by {diff}");
    let before = values(base.token_logps(&batch(&plain)));
    assert_ne!(found, before, "the merged model is not the base");

    let adapters_dir = dir.path().join("adapters");
    let output = prefopt(&[
        "export",
        "--model",
        base_dir.to_str().unwrap(),
        "--checkpoint",
        checkpoint.to_str().unwrap(),
        "--adapters-only",
        "--out",
        adapters_dir.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let config = read_json(&adapters_dir.join("adapter_config.json"));
    assert_eq!(
        (
            &config["r"],
            &config["lora_alpha"],
            &config["target_modules"]
        ),
        (&json!(2), &json!(4), &json!(["q_proj", "down_proj"]))
    );
    assert_eq!(
        config["base_model_name_or_path"],
        json!(base_dir.to_str().unwrap())
    );
    // Two blocks, two targets, A and B: 8 tensors of f32 behind the safetensors header.
    let weights = std::fs::read(adapters_dir.join("adapter_model.safetensors")).unwrap();
    let header_len = u64::from_le_bytes(weights[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&weights[8..8 + header_len]).unwrap();
    let q_a = &header["base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight"];
    assert_eq!(q_a["shape"], json!([2, 32]));
    let down_b = &header["base_model.model.model.layers.0.mlp.down_proj.lora_B.weight"];
    assert_eq!(down_b["shape"], json!([32, 2]));
    assert_eq!(
        header.as_object().unwrap().len(),
        8 + 1,
        "tensors + metadata"
    );

    // A whole model's checkpoint exports merged, but has no adapters to write alone.
    let whole = dir.path().join("whole.bpk");
    base.save_checkpoint(&whole).unwrap();
    let output = prefopt(&[
        "export",
        "--model",
        base_dir.to_str().unwrap(),
        "--checkpoint",
        whole.to_str().unwrap(),
        "--adapters-only",
        "--out",
        dir.path().join("none").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("whole.bpk") && stderr.contains("no LoRA adapters"),
        "{stderr}"
    );
}
