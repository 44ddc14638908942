//! LoRA on the causal LM: a tiny LoRA policy trains its adapters only (base and reference
//! unchanged), resumes from its adapter checkpoint, exports merged (Hugging Face) and as PEFT
//! adapters whose update is PEFT's `W + (alpha / r) B A`.

use prefopt_core::burn::module::{Module, Param};
use prefopt_core::burn::optim::AdamConfig;
use prefopt_core::burn::tensor::{Device, Tensor};
use prefopt_core::{Policy, PolicyConfig, SequenceBatch};
use prefopt_models::CausalLmPolicyConfig;
use prefopt_models::causal_lm::hf::WEIGHTS_FILE;
use prefopt_models::causal_lm::{
    ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, CausalLmConfig, CausalLmPolicy, LoraConfig,
    export_hf, export_peft_adapters, initialize_parameters, load_model, projection_weight,
    read_lora_settings,
};
use safetensors::SafeTensors;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Mutex;

use crate::tiny_tokenizer::tiny_tokenizer;

fn lora(targets: &[&str]) -> LoraConfig {
    LoraConfig {
        rank: 4,
        alpha: 8.0,
        targets: targets.iter().map(|t| t.to_string()).collect(),
    }
}

const TARGETS: [&str; 4] = ["q_proj", "v_proj", "gate_proj", "down_proj"];

/// Held while a model is drawn: the device's RNG is shared by the tests running at once.
static DRAWING: Mutex<()> = Mutex::new(());

/// The tiny random model of `seed`, every parameter drawn at once, adapted with `lora`.
fn random_policy(device: &Device, seed: u64, lora: Option<&LoraConfig>) -> CausalLmPolicy {
    let _drawing = DRAWING.lock().unwrap();
    let policy = CausalLmPolicy::random(CausalLmConfig::tiny(), seed, device).unwrap();
    initialize_parameters(policy.model());
    match lora {
        Some(lora) => policy.with_lora(lora, seed).unwrap(),
        None => policy,
    }
}

fn lora_policy(device: &Device, seed: u64) -> CausalLmPolicy {
    random_policy(device, seed, Some(&lora(&TARGETS)))
}

fn batch(device: &Device) -> SequenceBatch {
    SequenceBatch::from_ids(
        &[vec![1, 5, 9], vec![1, 40], vec![3, 3, 3, 3]],
        &[vec![7, 8, 2], vec![11, 2], vec![60]],
        0,
        device,
    )
    .unwrap()
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_into_vec_as::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn base_of(weight: &Param<Tensor<2>>) -> Vec<f32> {
    values(weight.base())
}

/// Adam steps raising the log-likelihood of the batch's completions (a supervised loss).
fn train(policy: &mut CausalLmPolicy, steps: usize, device: &Device) {
    let mut optimizer = AdamConfig::new().init();
    for _ in 0..steps {
        let loss = -policy.sequence_logps(&batch(device)).sum();
        let grads = loss.backward();
        policy.apply_gradients(&mut optimizer, 0.01, grads);
    }
}

#[test]
fn a_lora_policy_trains_its_adapters_only() {
    let device = Device::default().autodiff();
    let mut policy = lora_policy(&device, 5);
    // Per block: q a[32,4] b[4,32], v a[32,4] b[4,16], gate a[32,4] b[4,48], down a[48,4] b[4,32].
    assert_eq!(policy.num_params(), 2 * (256 + 192 + 320 + 320));
    let reference = policy.freeze();
    let plain = Device::default();
    let before_ref = values(reference.token_logps(&batch(&plain)));
    let before = values(policy.token_logps(&batch(&device)).inner());
    assert!(
        max_abs_diff(&before, &before_ref) < 1e-5,
        "B = 0: the adapted policy starts at its base (log-probs near -30, f32 rounding apart): {before:?} vs {before_ref:?}"
    );
    let query_base = base_of(&policy.model().blocks[0].attention.query.weight);
    let embedding = values(policy.model().embedding.weight.val().inner());
    let key = values(policy.model().blocks[1].attention.key.weight.val().inner());

    train(&mut policy, 5, &device);

    let model = policy.model();
    let b = model.blocks[0]
        .attention
        .query
        .weight
        .adapter()
        .unwrap()
        .b
        .val();
    assert!(
        values(b.inner()).iter().any(|v| *v != 0.0),
        "the adapters moved"
    );
    assert_eq!(
        base_of(&model.blocks[0].attention.query.weight),
        query_base,
        "an adapted base is frozen"
    );
    assert_eq!(values(model.embedding.weight.val().inner()), embedding);
    assert_eq!(
        values(model.blocks[1].attention.key.weight.val().inner()),
        key,
        "a projection without an adapter is frozen"
    );
    assert_eq!(
        values(reference.token_logps(&batch(&plain))),
        before_ref,
        "the reference (adapters off) is unchanged"
    );
    assert_eq!(
        values(policy.freeze().token_logps(&batch(&plain))),
        before_ref,
        "freezing again gives the same reference"
    );
    let after: f32 = values(policy.sequence_logps(&batch(&device)).inner())
        .iter()
        .sum();
    let start: f32 = values(reference.sequence_logps(&batch(&plain)))
        .iter()
        .sum();
    assert!(after > start + 0.1, "trained: {start} -> {after}");
}

#[test]
fn an_adapter_checkpoint_resumes_into_a_fresh_lora_policy() {
    let device = Device::default().autodiff();
    let mut policy = lora_policy(&device, 9);
    train(&mut policy, 3, &device);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.bpk");
    policy.save_checkpoint(&path).unwrap();
    assert_eq!(read_lora_settings(&path).unwrap(), Some(lora(&TARGETS)));

    let mut fresh = lora_policy(&device, 9);
    assert_ne!(
        values(fresh.token_logps(&batch(&device)).inner()),
        values(policy.token_logps(&batch(&device)).inner())
    );
    fresh.load_checkpoint(&path).unwrap();
    assert_eq!(
        values(fresh.token_logps(&batch(&device)).inner()),
        values(policy.token_logps(&batch(&device)).inner()),
        "identical log-probs after loading"
    );
    let ids = |p: &CausalLmPolicy| {
        let adapter = p.model().blocks[1]
            .mlp
            .down
            .weight
            .adapter()
            .unwrap()
            .clone();
        (adapter.a.id, adapter.b.id)
    };
    assert_eq!(ids(&fresh), ids(&policy), "parameter ids are restored");

    // Only the adapters are in the file: far smaller than the model.
    let whole = dir.path().join("whole.bpk");
    random_policy(&device, 9, None)
        .save_checkpoint(&whole)
        .unwrap();
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    assert!(
        size(&path) * 4 < size(&whole),
        "{} vs {}",
        size(&path),
        size(&whole)
    );

    // A whole model's checkpoint, or adapters of other settings, are refused.
    let error = fresh.load_checkpoint(&whole).unwrap_err().to_string();
    assert!(
        error.contains("whole.bpk") && error.contains("not of LoRA adapters"),
        "{error}"
    );
    let mut other = random_policy(&device, 9, Some(&lora(&["q_proj"])));
    let error = other.load_checkpoint(&path).unwrap_err().to_string();
    assert!(
        error.contains("other LoRA settings") && error.contains("targets q_proj, v_proj"),
        "{error}"
    );
    let mut plain = random_policy(&device, 9, None);
    assert!(plain.load_checkpoint(&path).is_err());
}

/// A safetensors tensor as `(shape, values)`.
fn tensor(file: &SafeTensors, name: &str) -> (Vec<usize>, Vec<f32>) {
    let view = file
        .tensor(name)
        .unwrap_or_else(|_| panic!("{name} missing"));
    let values = view
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    (view.shape().to_vec(), values)
}

#[test]
fn exports_merge_the_adapters_or_write_them_in_peft_format() {
    let device = Device::default().autodiff();
    let targets = [
        "q_proj",
        "k_proj",
        "v_proj",
        "o_proj",
        "gate_proj",
        "up_proj",
        "down_proj",
    ];
    let base = random_policy(&device, 2, None);
    let base_model = base.model().valid();
    let mut policy = base.with_lora(&lora(&targets), 2).unwrap();
    train(&mut policy, 4, &device);
    let dir = tempfile::tempdir().unwrap();
    let tokenizer = tiny_tokenizer(&dir.path().join("tokenizer"), 64);

    // Merged: a Hugging Face directory whose model gives the LoRA policy's log-probs.
    let merged_dir = dir.path().join("merged");
    let config = policy.config().clone();
    export_hf(
        &policy.merged_model(),
        &config,
        &tokenizer,
        &merged_dir,
        false,
    )
    .unwrap();
    let plain = Device::default();
    let merged = load_model(&merged_dir, &plain).unwrap().into_policy();
    let diff = max_abs_diff(
        &values(merged.token_logps(&batch(&plain))),
        &values(policy.token_logps(&batch(&device)).inner()),
    );
    assert!(diff < 1e-4, "merged export differs by {diff}");

    // The base exported alone, and the adapters in PEFT's format.
    let base_dir = dir.path().join("base");
    export_hf(&base_model, &config, &tokenizer, &base_dir, false).unwrap();
    let adapters_dir = dir.path().join("adapters");
    let lora = policy.lora().unwrap().clone();
    export_peft_adapters(policy.model(), &config, &lora, "base", &adapters_dir, false).unwrap();
    let adapter_config: Value = serde_json::from_str(
        &std::fs::read_to_string(adapters_dir.join(ADAPTER_CONFIG_FILE)).unwrap(),
    )
    .unwrap();
    assert_eq!(adapter_config["peft_type"], "LORA");
    assert_eq!(adapter_config["r"], 4);
    assert_eq!(adapter_config["lora_alpha"], 8);
    assert_eq!(adapter_config["target_modules"], json!(targets));

    let read = |path: &Path| std::fs::read(path).unwrap();
    let (merged_bytes, base_bytes, adapter_bytes) = (
        read(&merged_dir.join(WEIGHTS_FILE)),
        read(&base_dir.join(WEIGHTS_FILE)),
        read(&adapters_dir.join(ADAPTER_WEIGHTS_FILE)),
    );
    let merged_file = SafeTensors::deserialize(&merged_bytes).unwrap();
    let base_file = SafeTensors::deserialize(&base_bytes).unwrap();
    let adapter_file = SafeTensors::deserialize(&adapter_bytes).unwrap();
    assert_eq!(adapter_file.len(), 2 * 7 * 2);
    let scale = 8.0 / 4.0;
    for layer in 0..2 {
        for name in targets {
            let group = if name == "gate_proj" || name == "up_proj" || name == "down_proj" {
                "mlp"
            } else {
                "self_attn"
            };
            let hf = format!("model.layers.{layer}.{group}.{name}.weight");
            let peft = format!("base_model.model.model.layers.{layer}.{group}.{name}");
            let (shape, w) = tensor(&merged_file, &hf);
            let (_, w0) = tensor(&base_file, &hf);
            let (a_shape, a) = tensor(&adapter_file, &format!("{peft}.lora_A.weight"));
            let (b_shape, b) = tensor(&adapter_file, &format!("{peft}.lora_B.weight"));
            let (d_out, d_in) = (shape[0], shape[1]);
            assert_eq!(
                (a_shape, b_shape),
                (vec![4, d_in], vec![d_out, 4]),
                "{peft}"
            );
            // PEFT: W = W0 + (alpha / r) B A, all in PyTorch's [d_out, d_in].
            let mut worst = 0.0f32;
            for o in 0..d_out {
                for i in 0..d_in {
                    let delta: f32 = (0..4).map(|k| b[o * 4 + k] * a[k * d_in + i]).sum();
                    let expected = w0[o * d_in + i] + scale * delta;
                    worst = worst.max((w[o * d_in + i] - expected).abs());
                }
            }
            assert!(
                worst < 1e-5,
                "{hf}: merged differs from W0 + s B A by {worst}"
            );
            assert!(
                max_abs_diff(&w, &w0) > 1e-4,
                "{hf}: the adapter changed the weight"
            );
        }
    }
    let _ = projection_weight(policy.model(), 0, "q_proj");
}

#[test]
fn the_policy_config_takes_a_lora_table() {
    let config: CausalLmPolicyConfig = toml::from_str(
        "tiny = true\nseed = 1\nlora = { rank = 2, alpha = 16, targets = [\"q_proj\", \"up_proj\"] }",
    )
    .unwrap();
    assert!(config.validate().is_ok());
    struct NoTask;
    impl std::fmt::Debug for NoTask {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("NoTask")
        }
    }
    impl prefopt_core::Task for NoTask {
        fn training_batch(
            &self,
            _: &mut rand::rngs::StdRng,
            _: usize,
            _: &Device,
        ) -> prefopt_core::PreferenceBatch {
            unreachable!()
        }
        fn num_pairs(&self) -> Option<usize> {
            None
        }
    }
    let policy = config
        .build(&NoTask, &Device::default().autodiff())
        .unwrap();
    // q: a[32,2] b[2,32]; up: a[32,2] b[2,48]; two blocks.
    assert_eq!(policy.num_params(), 2 * (128 + 160));

    let config: CausalLmPolicyConfig =
        toml::from_str("tiny = true\nlora = { targets = [\"q_proj\", \"query\"] }").unwrap();
    let error = config.validate().unwrap_err().to_string();
    assert!(
        error.contains("policy.lora.targets[1]")
            && error.contains("q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"),
        "{error}"
    );
    assert!(toml::from_str::<CausalLmPolicyConfig>("tiny = true\nlora = { ranks = 2 }").is_err());
}
