//! One DPO training step on the `tiny` benchmark shape (hidden 256, 4 layers, vocabulary
//! 4096), through the offline trainer's code: policy and frozen reference over
//! `[chosen; rejected]`, the DPO loss, the backward pass, the AdamW update. The whole-step
//! comparison with PyTorch is `prefopt bench` (see docs/performance.md).
//!
//! `cargo bench -p prefopt-train --bench dpo_step`

use prefopt_core::burn::tensor::Device;
use prefopt_core::{Policy, PreferenceObjective, TaskBatch};
use prefopt_models::bench::BenchShape;
use prefopt_models::causal_lm::CausalLmPolicy;
use prefopt_train::adamw::AdamWSettings;
use prefopt_train::bench::{BenchPairs, StepInputs, time_dpo_steps};
use prefopt_train::optimizer::TrainingOptimizer;

// Linked for its `dpo` objective registration.
use prefopt_dpo as _;

fn main() {
    divan::main();
}

/// `pairs` pairs of `seq` tokens (half prompt, half completion) per step.
#[divan::bench(args = [(2, 32), (8, 128)])]
fn dpo_step(bencher: divan::Bencher, (pairs, seq): (usize, usize)) {
    let device: Device = prefopt_core::parse_device("flex")
        .expect("the flex backend is compiled in")
        .autodiff();
    let config = BenchShape::Tiny.config();
    let vocab = config.vocab_size;
    let mut policy = CausalLmPolicy::random(config, 0, &device).expect("a valid shape");
    let reference = policy.freeze();
    let data = BenchPairs::random(pairs, seq / 2, seq - seq / 2, vocab, 0).expect("pairs");
    let batch = TaskBatch::Pairs(data.all(&device).expect("a batch"));
    let objective: Box<dyn PreferenceObjective> =
        serde_json::from_value(serde_json::json!({ "type": "dpo", "beta": 0.1 }))
            .expect("the dpo objective");
    let mut optimizer =
        TrainingOptimizer::with_settings(AdamWSettings::with_weight_decay(0.01), None);
    let inputs = StepInputs {
        objective: &*objective,
        reference: &*reference,
        batch: &batch,
        lr: 1e-6,
    };
    bencher.bench_local(|| {
        time_dpo_steps(&mut policy, &mut optimizer, inputs, 0, 1).expect("a finite step")
    });
}
