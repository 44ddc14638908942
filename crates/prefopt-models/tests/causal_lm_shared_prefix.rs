//! The shared-prefix pair forward (each prompt run once for its chosen and rejected
//! completions) gives the log-probs and the gradients of `[chosen; rejected]` run as full
//! sequences: for prompts and completions of unequal lengths, with and without LoRA, for the
//! policy and its frozen references.

use prefopt_core::burn::module::{Module, ModuleVisitor, Param};
use prefopt_core::burn::optim::AdamConfig;
use prefopt_core::burn::tensor::{Device, Gradients, Tensor};
use prefopt_core::{Policy, PreferenceBatch, concat_pair_sequence_logps};
use prefopt_models::causal_lm::{
    CausalLmConfig, CausalLmPolicy, LoraConfig, PairForward, shared_prefix_token_logps,
};

/// Four pairs: prompts of 3, 1, 6 and 2 tokens; completions from 0 to 5 tokens.
fn pairs(device: &Device) -> PreferenceBatch {
    PreferenceBatch::from_ids(
        &[
            vec![4, 9, 13],
            vec![7],
            vec![22, 5, 31, 2, 60, 11],
            vec![8, 8],
        ],
        &[
            vec![15, 3],
            vec![40, 41, 42, 43, 44],
            vec![6],
            vec![1, 2, 3],
        ],
        &[vec![16, 17, 18, 19], vec![50], vec![6, 7, 9], vec![]],
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

/// Every parameter gradient of `module` in module order, by path.
fn gradients<M: Module>(module: &M, grads: &Gradients) -> Vec<(String, Vec<f32>)> {
    struct Collect<'a> {
        grads: &'a Gradients,
        path: Vec<String>,
        found: Vec<(String, Vec<f32>)>,
    }
    impl ModuleVisitor for Collect<'_> {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(grad) = param.val().grad(self.grads) {
                self.found.push((self.path.join("."), values(grad)));
            }
        }
    }
    let mut collect = Collect {
        grads,
        path: Vec::new(),
        found: Vec::new(),
    };
    module.visit(&mut collect);
    collect.found
}

/// The same policy scoring pairs concatenated and with the shared prefix: equal log-probs
/// (1e-5) and equal gradients of `sum(chosen) - 2 sum(rejected)` for every parameter that has
/// one (relative to the largest entry, 1e-4). Returns how many parameters were compared.
fn assert_paths_agree(policy: CausalLmPolicy, device: &Device) -> usize {
    let batch = pairs(device);
    let concatenated = policy.with_pair_forward(PairForward::Concatenated);
    let (concat_chosen, concat_rejected) = concatenated.pair_sequence_logps(&batch);
    let policy = concatenated.with_pair_forward(PairForward::SharedPrefix);
    let (shared_chosen, shared_rejected) =
        shared_prefix_token_logps(policy.model(), &batch).expect("every pair shares its prompt");
    assert_eq!(shared_chosen.dims(), batch.chosen.completions.dims());
    assert_eq!(shared_rejected.dims(), batch.rejected.completions.dims());
    let mask = |side: &prefopt_core::SequenceBatch, logps: Tensor<2>| {
        prefopt_core::masked_sum(logps, &side.completion_mask)
    };
    let shared_chosen = mask(&batch.chosen, shared_chosen);
    let shared_rejected = mask(&batch.rejected, shared_rejected);
    for (shared, concat) in [
        (&shared_chosen, &concat_chosen),
        (&shared_rejected, &concat_rejected),
    ] {
        let (shared, concat) = (values(shared.clone()), values(concat.clone()));
        assert!(
            max_abs_diff(&shared, &concat) < 1e-5,
            "shared prefix {shared:?} vs concatenated {concat:?}"
        );
        assert!(concat.iter().all(|value| value.is_finite()));
    }
    let loss = |chosen: Tensor<1>, rejected: Tensor<1>| chosen.sum() - rejected.sum() * 2.0;
    let concat_grads = gradients(
        policy.model(),
        &loss(concat_chosen, concat_rejected).backward(),
    );
    let shared_grads = gradients(
        policy.model(),
        &loss(shared_chosen, shared_rejected).backward(),
    );
    assert_eq!(concat_grads.len(), shared_grads.len());
    for ((path, concat), (shared_path, shared)) in concat_grads.iter().zip(&shared_grads) {
        assert_eq!(path, shared_path);
        let scale = concat
            .iter()
            .fold(0.0f32, |max, value| max.max(value.abs()));
        assert!(scale > 0.0, "{path}: no gradient");
        let difference = max_abs_diff(concat, shared);
        assert!(
            difference <= 1e-4 * scale.max(1e-3),
            "{path}: gradients differ by {difference} (largest entry {scale})"
        );
    }
    concat_grads.len()
}

#[test]
fn shared_prefix_log_probs_and_gradients_equal_the_concatenated_forward() {
    let device = Device::default().autodiff();
    let policy = CausalLmPolicy::random(CausalLmConfig::tiny(), 11, &device).unwrap();
    let compared = assert_paths_agree(policy, &device);
    // Every parameter of the full model: embedding, 9 per block, the final norm.
    assert_eq!(compared, 1 + 9 * CausalLmConfig::tiny().num_layers + 1);
}

#[test]
fn shared_prefix_gradients_equal_the_concatenated_ones_with_lora() {
    let device = Device::default().autodiff();
    let lora = LoraConfig {
        rank: 4,
        alpha: 8.0,
        targets: [
            "q_proj",
            "k_proj",
            "v_proj",
            "o_proj",
            "gate_proj",
            "up_proj",
            "down_proj",
        ]
        .map(String::from)
        .to_vec(),
    };
    let mut policy = CausalLmPolicy::random(CausalLmConfig::tiny(), 12, &device)
        .unwrap()
        .with_lora(&lora, 12)
        .unwrap();
    // One step first, so that every `B` factor is non-zero and every `A` gets a gradient.
    let mut optimizer = AdamConfig::new().init();
    let (chosen, _) = policy.pair_sequence_logps(&pairs(&device));
    let grads = (-chosen.sum()).backward();
    policy.apply_gradients(&mut optimizer, 1e-2, grads);
    let compared = assert_paths_agree(policy, &device);
    assert_eq!(compared, 2 * 7 * CausalLmConfig::tiny().num_layers);
}

#[test]
fn frozen_references_and_snapshots_score_pairs_as_the_concatenated_forward() {
    let device = Device::default();
    let policy = CausalLmPolicy::random(CausalLmConfig::tiny(), 13, &device).unwrap();
    let batch = pairs(&device);
    for reference in [policy.freeze(), policy.snapshot().unwrap()] {
        let (chosen, rejected) = reference.pair_sequence_logps(&batch);
        let (concat_chosen, concat_rejected) =
            concat_pair_sequence_logps(&batch, |both| reference.sequence_logps(both));
        assert!(max_abs_diff(&values(chosen), &values(concat_chosen)) < 1e-5);
        assert!(max_abs_diff(&values(rejected), &values(concat_rejected)) < 1e-5);
    }
}

#[test]
fn frozen_references_give_per_token_pair_log_probs_as_each_side_alone() {
    let device = Device::default();
    let batch = pairs(&device);
    for forward in [PairForward::SharedPrefix, PairForward::Concatenated] {
        let reference = CausalLmPolicy::random(CausalLmConfig::tiny(), 15, &device)
            .unwrap()
            .with_pair_forward(forward)
            .freeze();
        let (chosen, rejected) = reference.try_pair_token_logps(&batch).unwrap();
        assert_eq!(chosen.dims(), batch.chosen.completions.dims());
        assert_eq!(rejected.dims(), batch.rejected.completions.dims());
        let alone_chosen = reference.token_logps(&batch.chosen);
        let alone_rejected = reference.token_logps(&batch.rejected);
        assert!(max_abs_diff(&values(chosen), &values(alone_chosen)) < 1e-5);
        assert!(max_abs_diff(&values(rejected), &values(alone_rejected)) < 1e-5);
    }
}

#[test]
fn pairs_whose_prompts_differ_take_the_concatenated_forward() {
    let device = Device::default();
    let policy = CausalLmPolicy::random(CausalLmConfig::tiny(), 14, &device).unwrap();
    let mut batch = pairs(&device);
    let other = PreferenceBatch::from_ids(
        &[
            vec![4, 9, 13],
            vec![7],
            vec![22, 5, 31, 2, 60, 12],
            vec![8, 8],
        ],
        &vec![vec![1]; 4],
        &[vec![16, 17, 18, 19], vec![50], vec![6, 7, 9], vec![]],
        0,
        &device,
    )
    .unwrap();
    batch.rejected = other.rejected;
    assert!(shared_prefix_token_logps(policy.model(), &batch).is_none());
    let (chosen, rejected) = policy.pair_sequence_logps(&batch);
    let (concat_chosen, concat_rejected) =
        concat_pair_sequence_logps(&batch, |both| policy.sequence_logps(both));
    assert_eq!(values(chosen), values(concat_chosen));
    assert_eq!(values(rejected), values(concat_rejected));
}

#[test]
fn the_plugin_setting_chooses_the_pair_forward() {
    let config: prefopt_models::CausalLmPolicyConfig =
        toml::from_str("tiny = true\nshared_prefix = false").unwrap();
    assert!(!config.shared_prefix);
    let config: prefopt_models::CausalLmPolicyConfig = toml::from_str("tiny = true").unwrap();
    assert!(config.shared_prefix, "on by default");
    let policy = CausalLmPolicy::random(CausalLmConfig::tiny(), 0, &Device::default()).unwrap();
    assert_eq!(policy.pair_forward(), PairForward::SharedPrefix);
}
