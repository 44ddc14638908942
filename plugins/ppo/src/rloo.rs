//! `[algorithm] type = "rloo"`: REINFORCE with a leave-one-out baseline (Ahmadian et al. 2024,
//! arXiv:2402.14740; Kool et al. 2019; TRL's `RLOOTrainer`).

use crate::groups::{batch_moments, group_moments};
use crate::grpo::{STD_EPSILON, kl_penalized_rewards, reward_metrics, sequence_kl, token_mean_kl};
use crate::kl::KlEstimator;
use crate::onpolicy::{Common, OnPolicy, Planned, run_on_policy};
use crate::rollout::{Rollout, RolloutMode};
use crate::update::{Advantages, Aggregation, UpdatePlan};
use crate::validate;
use prefopt_core::{
    Algorithm, ConfigError, PrefoptError, RunContext, RunReport, SamplingOptions, plugin,
};
use serde::{Deserialize, Serialize};

/// RLOO (Ahmadian et al. 2024, arXiv:2402.14740, eq. 6) as TRL's `RLOOTrainer` computes it, with
/// `RLOOConfig`'s defaults: each completion's reward is `R = r - beta sum_t kl_t` (the KL in the
/// reward, `k1` per token summed over the completion), its advantage `R` minus the mean reward of
/// the other `num_generations - 1` completions of its prompt, and the loss the clipped surrogate
/// on the completion's whole ratio `exp(sum_t log pi - log pi_old)`.
///
/// In population mode the leave-one-out baseline is replaced by its expectation, the prompt's
/// mean reward under the behaviour policy: the update is then the exact policy gradient of
/// `E[r] - beta KL(pi || pi_ref)`, whose fixed point is `pi* = pi_ref exp(r / beta) / Z`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rloo {
    /// beta (TRL's `beta`: 0.05).
    #[serde(alias = "beta")]
    pub kl_coef: f64,
    /// The per-token KL estimator in the reward (TRL: `k1`, fixed).
    pub kl_estimator: KlEstimator,
    /// Completions per prompt, k (TRL: 2).
    pub num_generations: usize,
    /// `"population"` (the default, where outputs can be enumerated) or a number of sampled
    /// completions per step (a multiple of `num_generations`).
    pub rollouts: RolloutMode,
    /// The ratio's lower clip, `1 - epsilon` (TRL: 0.2).
    pub epsilon: f64,
    /// The ratio's upper clip, `1 + epsilon_high` (none: `epsilon`).
    pub epsilon_high: Option<f64>,
    /// Passes over each rollout (TRL's `num_iterations`: 1).
    pub num_iterations: usize,
    /// Minibatches per pass, one optimizer step each (TRL: 1 per generation).
    pub steps_per_generation: usize,
    /// Centre and scale the advantages over the batch (TRL: false).
    pub normalize_advantages: bool,
    /// The entropy bonus's weight (0: none).
    pub entropy_coef: f64,
    /// How language-model policies generate completions (none: the defaults).
    pub sampling: Option<SamplingOptions>,
}

impl Default for Rloo {
    fn default() -> Self {
        Self {
            kl_coef: 0.05,
            kl_estimator: KlEstimator::K1,
            num_generations: 2,
            rollouts: RolloutMode::Population,
            epsilon: 0.2,
            epsilon_high: None,
            num_iterations: 1,
            steps_per_generation: 1,
            normalize_advantages: false,
            entropy_coef: 0.0,
            sampling: None,
        }
    }
}

impl OnPolicy for Rloo {
    fn name(&self) -> &'static str {
        "rloo"
    }

    fn common(&self) -> Common<'_> {
        Common::critic_free(
            self.rollouts,
            self.num_generations,
            self.kl_coef,
            self.sampling.as_ref(),
        )
    }

    fn plan(
        &self,
        rollout: &Rollout,
        _values: Option<&[f64]>,
        beta: f64,
    ) -> Result<Planned, PrefoptError> {
        let kl = sequence_kl(rollout, self.kl_estimator);
        let rewards = kl_penalized_rewards(&rollout.scores, &kl, beta);
        let groups = group_moments(rollout, &rewards);
        let mut sizes = vec![0usize; rollout.prompts];
        for &prompt in &rollout.prompt_of {
            sizes[prompt] += 1;
        }
        let mut advantages: Vec<f64> = rewards
            .iter()
            .zip(&rollout.prompt_of)
            .map(|(reward, &prompt)| {
                let (mean, _) = groups[prompt];
                let size = sizes[prompt] as f64;
                let baseline = if rollout.population || size < 2.0 {
                    mean
                } else {
                    (mean * size - reward) / (size - 1.0)
                };
                reward - baseline
            })
            .collect();
        if self.normalize_advantages {
            let (mean, std) = batch_moments(rollout, &advantages);
            advantages
                .iter_mut()
                .for_each(|a| *a = (*a - mean) / (std + STD_EPSILON));
        }
        let mut metrics = reward_metrics(rollout, &groups, &kl, beta);
        metrics.push(("kl".into(), token_mean_kl(rollout, self.kl_estimator)));
        Ok(Planned {
            plan: UpdatePlan {
                advantages: Advantages::PerSequence(advantages),
                aggregation: Aggregation::TokenMean,
                clip_low: self.epsilon,
                clip_high: self.epsilon_high.unwrap_or(self.epsilon),
                kl_in_loss: None,
                entropy_coef: self.entropy_coef,
                value: None,
                epochs: self.num_iterations,
                minibatches: self.steps_per_generation,
            },
            metrics,
            kl: rollout.mean(&kl),
        })
    }
}

#[plugin(
    name = "rloo",
    summary = "RLOO: REINFORCE with a leave-one-out baseline over k samples, KL in the reward (TRL's RLOOTrainer)",
    paper = "arXiv:2402.14740"
)]
impl Algorithm for Rloo {
    fn run(&self, ctx: &mut RunContext<'_>) -> Result<RunReport, PrefoptError> {
        run_on_policy(self, ctx)
    }

    fn check_task(
        &self,
        task: &dyn prefopt_core::Task,
        reward: Option<&dyn prefopt_core::RewardConfig>,
        _device: &prefopt_core::burn::tensor::Device,
    ) -> Result<(), PrefoptError> {
        crate::onpolicy_check::check_on_policy_task(self, task, reward)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate::kl_coef(self.kl_coef, None)?;
        validate::group_size(
            self.num_generations,
            "a leave-one-out baseline needs at least 2 completions per prompt",
        )?;
        validate::clipped_updates(
            self.epsilon,
            self.epsilon_high,
            self.num_iterations,
            self.steps_per_generation,
            self.entropy_coef,
        )?;
        validate::rollouts(self.rollouts, self.num_generations, "num_generations")?;
        validate::sampling(self.sampling.as_ref())
    }
}
