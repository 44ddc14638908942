//! Peak memory of preference training on SmolLM2-135M-Instruct, full fine-tuning against LoRA,
//! with the reference the training holds.
//!
//! ```sh
//! cargo run -p prefopt-models --example lora_memory -- full       # every weight trains, frozen copy as reference
//! cargo run -p prefopt-models --example lora_memory -- lora       # LoRA (q_proj, v_proj, r 8), reference = base with adapters off
//! cargo run -p prefopt-models --example lora_memory -- lora-none  # LoRA, no reference held
//! cargo run -p prefopt-models --example lora_memory -- lora-copy  # LoRA, the reference a second loaded copy
//! ```
//!
//! Each mode loads the model, takes the reference, runs three Adam steps of a DPO-style loss on
//! two 64-token rows, and prints the resident set size (`VmRSS`) and its peak (`VmHWM`) from
//! `/proc/self/status` after each stage. Run one mode per process: the peak never goes down.

use prefopt_core::burn::optim::AdamConfig;
use prefopt_core::burn::tensor::{Device, Tensor};
use prefopt_core::{Policy, ReferenceModel, SequenceBatch};
use prefopt_models::assets::smollm2_gguf_path;
use prefopt_models::causal_lm::{LoraConfig, load_policy};
use std::time::Instant;

/// `VmRSS` and `VmHWM` in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn report(stage: &str, started: Instant) {
    let (rss, peak) = memory();
    println!(
        "{stage:<28} rss {rss:>7.0} MiB   peak {peak:>7.0} MiB   ({:.1}s)",
        started.elapsed().as_secs_f64()
    );
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "lora".into());
    let path = smollm2_gguf_path().unwrap_or_else(|error| panic!("{error}"));
    let started = Instant::now();
    let device = Device::default().autodiff();
    let mut policy = load_policy(&path, &device).expect("the model loads");
    report("loaded", started);
    if mode.starts_with("lora") {
        let lora = LoraConfig {
            rank: 8,
            alpha: 16.0,
            targets: vec!["q_proj".into(), "v_proj".into()],
        };
        policy = policy.with_lora(&lora, 0).expect("LoRA applies");
    }
    println!("trainable parameters: {}", policy.num_params());
    let reference: Option<Box<dyn ReferenceModel>> = match mode.as_str() {
        "full" | "lora" => Some(policy.freeze()),
        "lora-copy" => Some(Box::new(prefopt_models::causal_lm::FrozenCausalLm::new(
            load_policy(&path, &Device::default())
                .expect("the model loads")
                .model(),
        ))),
        "lora-none" => None,
        other => panic!("unknown mode {other:?}: full, lora, lora-none or lora-copy"),
    };
    report("reference taken", started);
    let plain = Device::default();
    let ids =
        |offset: u32| -> Vec<u32> { (0..64).map(|i| 100 + (i * 37 + offset) % 4000).collect() };
    let batch = |device: &Device| {
        SequenceBatch::from_ids(&[ids(0), ids(7)], &[ids(3), ids(11)], 0, device).unwrap()
    };
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    for step in 1..=3 {
        let reference_logps: Tensor<1> = match &reference {
            Some(reference) => reference.sequence_logps(&batch(&plain)),
            None => Tensor::zeros([2], &plain),
        };
        let margin = policy.sequence_logps(&batch(&device)) - reference_logps.to_device(&device);
        // DPO's loss on the two rows taken as a (chosen, rejected) pair.
        let pair = margin.clone().narrow(0, 0, 1) - margin.narrow(0, 1, 1);
        let loss = -prefopt_core::burn::tensor::activation::log_sigmoid(pair.mul_scalar(0.1)).sum();
        let grads = loss.backward();
        policy.apply_gradients(&mut optimizer, 1e-5, grads);
        report(&format!("after step {step}"), started);
    }
}
