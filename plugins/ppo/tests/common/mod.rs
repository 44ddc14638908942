//! Shared by the plugin's integration tests: training an algorithm on a bandit in memory.

use prefopt_core::burn::tensor::Device;
use prefopt_core::math::log_softmax;
use prefopt_core::{
    Algorithm, LrSchedulerType, MetricValues, NullSink, RewardConfig, RunContext, TabularTruth,
    TaskConfig, TrainConfig,
};
use prefopt_data::{BanditConfig, ReferenceKind};
use prefopt_models::TabularPolicyConfig;
use prefopt_partition::closed_form::kl_divergence;
use prefopt_ppo::GroundTruth;

/// A population bandit of `contexts x actions`, rewards of scale 2.
pub fn bandit(contexts: usize, actions: usize, reference: ReferenceKind) -> BanditConfig {
    BanditConfig {
        contexts,
        actions,
        reference,
        ..BanditConfig::default()
    }
}

/// What a training run left.
pub struct Trained {
    /// The task's truth.
    pub truth: TabularTruth,
    /// The trained policy's log-probs, row-major, renormalized in f64.
    pub logps: Vec<f64>,
    /// The final metrics.
    pub metrics: MetricValues,
}

impl Trained {
    /// A final metric.
    pub fn metric(&self, name: &str) -> f64 {
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no metric {name}: {:?}", self.metrics))
            .1
    }

    /// `KL(policy || target)` averaged over contexts, `target` row-major log-probs.
    pub fn kl_to(&self, target: &[f64]) -> f64 {
        let outputs = self.truth.outputs;
        self.logps
            .chunks(outputs)
            .zip(target.chunks(outputs))
            .map(|(p, q)| kl_divergence(p, q))
            .sum::<f64>()
            / self.truth.contexts as f64
    }
}

/// Trains `algorithm` on `bandit` (seed `seed`) with the ground-truth reward for `steps` steps of
/// Adam at `lr`, linearly decayed when `decay`.
pub fn train(
    bandit: &BanditConfig,
    seed: u64,
    algorithm: &dyn Algorithm,
    steps: usize,
    lr: f64,
    decay: bool,
) -> Trained {
    train_with(
        bandit,
        seed,
        algorithm,
        &GroundTruth::default(),
        steps,
        lr,
        decay,
    )
}

/// [`train`] with another reward model.
pub fn train_with(
    bandit: &BanditConfig,
    seed: u64,
    algorithm: &dyn Algorithm,
    reward: &dyn RewardConfig,
    steps: usize,
    lr: f64,
    decay: bool,
) -> Trained {
    algorithm.validate().unwrap();
    let task = bandit.build(seed).unwrap();
    let train = TrainConfig {
        steps: Some(steps),
        lr: Some(lr),
        lr_scheduler_type: Some(if decay {
            LrSchedulerType::Linear
        } else {
            LrSchedulerType::Constant
        }),
        eval_every: steps.max(1),
        log_every: steps.max(1),
        ..TrainConfig::default()
    };
    let report = algorithm
        .run(&mut RunContext {
            task: &*task,
            policy: &TabularPolicyConfig::default(),
            reward: Some(reward),
            train: &train,
            device: Device::default(),
            seed,
            sink: &mut NullSink,
            out_dir: None,
            control: Default::default(),
        })
        .unwrap();
    let truth = task.truth().unwrap().clone();
    let table: Vec<f64> = report
        .policy
        .unwrap()
        .log_prob_table()
        .unwrap()
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap()
        .into_iter()
        .map(f64::from)
        .collect();
    let logps = table.chunks(truth.outputs).flat_map(log_softmax).collect();
    Trained {
        truth,
        logps,
        metrics: report.metrics,
    }
}

/// Row-major `f(reference_logps, rewards)` per context of `truth`.
pub fn per_context(truth: &TabularTruth, f: impl Fn(&[f64], &[f64]) -> Vec<f64>) -> Vec<f64> {
    truth
        .reference_logps
        .chunks(truth.outputs)
        .zip(truth.rewards.chunks(truth.outputs))
        .flat_map(|(reference, rewards)| f(reference, rewards))
        .collect()
}
