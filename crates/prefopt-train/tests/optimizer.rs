//! AdamW, global-norm clipping and accumulation against PyTorch's update rules, on a policy whose
//! gradients are set by hand: a 2x2 weight (decayed) and a bias of 2 (not decayed), the loss
//! `sum(weight * A) + sum(bias * c)` having gradients exactly `A` and `c`.
//!
//! The expected parameters were computed in f64 from PyTorch's `torch.optim.AdamW` single-tensor
//! rule (`param *= 1 - lr * wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
//! param -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`) and
//! `clip_grad_norm_` (`g *= min(1, max_norm / (norm + 1e-6))`), betas 0.9/0.999, eps 1e-8.

use prefopt_core::burn;
use prefopt_core::burn::module::{Module, Param};
use prefopt_core::burn::optim::{GradientsParams, ModuleOptimizer};
use prefopt_core::burn::tensor::{Device, Gradients, Tensor, TensorData};
use prefopt_core::{Policy, PrefoptError, ReferenceModel, SequenceBatch};
use prefopt_train::adamw::AdamWSettings;
use prefopt_train::optimizer::TrainingOptimizer;
use std::path::Path;

#[derive(Module, Debug)]
struct Toy {
    weight: Param<Tensor<2>>,
    bias: Param<Tensor<1>>,
}

#[derive(Debug)]
struct ToyPolicy {
    module: Toy,
}

#[derive(Debug)]
struct Zeros;

impl ReferenceModel for Zeros {
    fn token_logps(&self, batch: &SequenceBatch) -> Tensor<2> {
        Tensor::zeros(batch.completion_mask.dims(), &batch.prompts.device())
    }
}

impl Policy for ToyPolicy {
    /// Every row's value is `sum(weight) + sum(bias)`: it reaches every parameter.
    fn token_logps(&self, batch: &SequenceBatch) -> Tensor<2> {
        let total = self.module.weight.val().sum() + self.module.bias.val().sum();
        Tensor::ones([batch.len(), 1], &batch.prompts.device()) * total.reshape([1, 1])
    }

    fn apply_gradients(&mut self, optimizer: &mut ModuleOptimizer, lr: f64, grads: Gradients) {
        let grads = GradientsParams::from_grads(grads, &self.module);
        self.module = optimizer.step(lr, self.module.clone(), grads);
    }

    fn freeze(&self) -> Box<dyn ReferenceModel> {
        Box::new(Zeros)
    }

    fn num_params(&self) -> usize {
        self.module.num_params()
    }

    fn save(&self, path: &Path) -> Result<(), PrefoptError> {
        std::fs::write(path, b"toy").map_err(|source| PrefoptError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

fn device() -> Device {
    Device::default().autodiff()
}

fn tensor<const D: usize>(values: &[f32], shape: [usize; D]) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values.to_vec(), shape), &device())
}

fn policy() -> ToyPolicy {
    ToyPolicy {
        module: Toy {
            weight: Param::from_tensor(tensor(&[0.5, -1.0, 2.0, 0.0], [2, 2])),
            bias: Param::from_tensor(tensor(&[0.3, -0.2], [2])),
        },
    }
}

const A1: [f32; 4] = [0.1, -0.2, 0.3, 0.0];
const C1: [f32; 2] = [1.0, -2.0];
const A2: [f32; 4] = [-0.3, 0.1, 0.05, 0.2];
const C2: [f32; 2] = [0.5, 0.5];

/// The gradients of `sum(weight * a) + sum(bias * c)` (the bias term left out when `c` is
/// `None`).
fn grads(policy: &ToyPolicy, a: &[f32], c: Option<&[f32]>) -> Gradients {
    let mut loss = (policy.module.weight.val() * tensor(a, [2, 2])).sum();
    if let Some(c) = c {
        loss = loss + (policy.module.bias.val() * tensor(c, [2])).sum();
    }
    loss.backward()
}

fn probe() -> SequenceBatch {
    SequenceBatch::single_tokens(&[0], &[0], &device())
}

fn values(policy: &ToyPolicy) -> (Vec<f32>, Vec<f32>) {
    let host = |data: TensorData| data.try_into_vec::<f32>().unwrap();
    (
        host(policy.module.weight.val().into_data()),
        host(policy.module.bias.val().into_data()),
    )
}

fn assert_params(policy: &ToyPolicy, weight: [f64; 4], bias: [f64; 2]) {
    let (w, b) = values(policy);
    for (got, want) in w.iter().zip(weight).chain(b.iter().zip(bias)) {
        assert!(
            (f64::from(*got) - want).abs() < 1e-6,
            "{got} vs {want} (weight {w:?}, bias {b:?})"
        );
    }
}

fn optimizer(max_grad_norm: Option<f64>) -> TrainingOptimizer {
    TrainingOptimizer::with_settings(AdamWSettings::with_weight_decay(0.01), max_grad_norm)
}

#[test]
fn two_adamw_steps_match_pytorch() {
    let mut policy = policy();
    let mut optimizer = optimizer(None);
    let g = grads(&policy, &A1, Some(&C1));
    let report = optimizer.step(&mut policy, 0.1, g, &probe(), true).unwrap();
    // sqrt(0.1^2 + 0.2^2 + 0.3^2 + 1 + 4)
    assert!((report.grad_norm.unwrap() - 2.267_156_809_750_926_7).abs() < 1e-6);
    assert_eq!(report.clip_coefficient, 1.0);
    // The weight decays by (1 - 0.1 * 0.01); the bias does not; the zero gradient moves nothing.
    assert_params(
        &policy,
        [0.399_500_01, -0.899_000_005, 1.898_000_003_333_333_3, 0.0],
        [0.200_000_001, -0.100_000_000_5],
    );
    let g = grads(&policy, &A2, Some(&C2));
    optimizer
        .step(&mut policy, 0.05, g, &probe(), true)
        .unwrap();
    assert_params(
        &policy,
        [
            0.424_009_750_555_032_2,
            -0.885_233_653_856_837_8,
            1.857_884_637_740_303,
            -0.037_206_838_548_086_13,
        ],
        [0.153_391_019_649_080_53, -0.076_526_592_100_667_42],
    );
}

#[test]
fn clipping_scales_all_gradients_by_their_joint_norm() {
    let mut policy = policy();
    let mut optimizer = optimizer(Some(1.0));
    let g = grads(&policy, &A1, Some(&C1));
    let report = optimizer.step(&mut policy, 0.1, g, &probe(), true).unwrap();
    assert!(
        (report.grad_norm.unwrap() - 2.267_156_809_750_926_7).abs() < 1e-6,
        "pre-clip norm"
    );
    assert!((report.clip_coefficient - 1.0 / (2.267_156_809_750_926_7 + 1e-6)).abs() < 1e-7);
    let g = grads(&policy, &A2, Some(&C2));
    let report = optimizer
        .step(&mut policy, 0.05, g, &probe(), true)
        .unwrap();
    assert!((report.grad_norm.unwrap() - 0.801_560_977_094_069_9).abs() < 1e-6);
    assert_eq!(report.clip_coefficient, 1.0);
    // The first step's moments hold the clipped gradient: the second update differs from the
    // unclipped run's (0.4240 for the first weight).
    assert_params(
        &policy,
        [
            0.431_240_704_599_025_14,
            -0.904_301_045_849_233_2,
            1.852_555_609_956_697_3,
            -0.037_206_838_548_086_13,
        ],
        [0.149_934_836_116_159_32, -0.089_210_201_002_168_6],
    );
}

/// Two micro-batches whose gradients sum to `A1, C1` give the step of `A1, C1` at once, with and
/// without clipping; the bias gradient coming only from the first micro-batch is applied too.
#[test]
fn accumulated_micro_batches_equal_the_whole_batch() {
    for clip in [None, Some(1.0)] {
        let mut whole = policy();
        let mut optimizer_whole = optimizer(clip);
        let g = grads(&whole, &A1, Some(&C1));
        optimizer_whole
            .step(&mut whole, 0.1, g, &probe(), true)
            .unwrap();

        let mut parts = policy();
        let mut optimizer_parts = optimizer(clip);
        let first: Vec<f32> = A1.iter().map(|a| a * 0.25).collect();
        let second: Vec<f32> = A1.iter().map(|a| a * 0.75).collect();
        let g = grads(&parts, &first, Some(&C1));
        optimizer_parts.accumulate(&mut parts, g);
        assert_eq!(
            values(&parts),
            values(&policy()),
            "accumulating moves nothing"
        );
        let g = grads(&parts, &second, None);
        let report = optimizer_parts
            .step(&mut parts, 0.1, g, &probe(), true)
            .unwrap();
        assert!((report.grad_norm.unwrap() - 2.267_156_809_750_926_7).abs() < 1e-6);
        assert_eq!(optimizer_parts.updated_parameters(), 2);
        let (w1, b1) = values(&whole);
        let (w2, b2) = values(&parts);
        for (x, y) in w1.iter().chain(&b1).zip(w2.iter().chain(&b2)) {
            assert!((x - y).abs() < 1e-7, "{clip:?}: {x} vs {y}");
        }
    }
}

#[test]
fn a_state_saved_and_loaded_continues_identically() {
    let dir = std::env::temp_dir().join(format!("prefopt-optimizer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut policy = policy();
    let mut optimizer = optimizer(Some(1.0));
    let g = grads(&policy, &A1, Some(&C1));
    optimizer.step(&mut policy, 0.1, g, &probe(), true).unwrap();
    let path = dir.join("optimizer.bpk");
    optimizer.save(&path).unwrap();
    let mut restored = self::optimizer(Some(1.0)).load(&path).unwrap();
    let mut twin = ToyPolicy {
        module: policy.module.clone(),
    };
    let g = grads(&policy, &A2, Some(&C2));
    optimizer
        .step(&mut policy, 0.05, g, &probe(), true)
        .unwrap();
    let g = grads(&twin, &A2, Some(&C2));
    restored.step(&mut twin, 0.05, g, &probe(), true).unwrap();
    assert_eq!(values(&policy), values(&twin));
    std::fs::remove_dir_all(&dir).unwrap();
}
