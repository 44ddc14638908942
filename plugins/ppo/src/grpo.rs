//! `[algorithm] type = "grpo"`: group relative policy optimization (Shao et al. 2024,
//! arXiv:2402.03300; TRL's `GRPOTrainer`).

use crate::groups::{batch_moments, group_moments};
use crate::kl::KlEstimator;
use crate::onpolicy::{Common, OnPolicy, Planned, run_on_policy};
use crate::rollout::{Rollout, RolloutMode};
use crate::update::{Advantages, LossType, UpdatePlan};
use crate::validate;
use prefopt_core::{
    Algorithm, ConfigError, PrefoptError, RunContext, RunReport, SamplingOptions, plugin,
};
use serde::{Deserialize, Serialize};

/// Added to a standard deviation before dividing by it (TRL's `std + 1e-4`).
pub const STD_EPSILON: f64 = 1e-4;

/// Where the KL to the reference enters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KlPlacement {
    /// Differentiated in the loss, `+ beta * kl_t` per token (GRPO).
    #[default]
    Loss,
    /// Subtracted from each completion's reward before the group statistics, `R = r - beta sum_t
    /// kl_t` (as PPO and RLOO do).
    Reward,
}

/// GRPO's `scale_rewards`: what the centred rewards are divided by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScaleRewards {
    /// The standard deviation of the prompt's group (TRL's default).
    #[default]
    Group,
    /// The standard deviation over the whole batch (Liu et al. 2025, "PPO Lite").
    Batch,
    /// Nothing (Dr. GRPO, Liu et al. 2025, arXiv:2503.20783).
    None,
}

/// GRPO (Shao et al. 2024, arXiv:2402.03300, eq. 3) as TRL's `GRPOTrainer` computes it, with
/// `GRPOConfig`'s defaults: no critic; each prompt's `num_generations` completions form a
/// group, and a completion's advantage is its reward minus the group mean, divided by the
/// group's standard deviation plus 1e-4 (`scale_rewards`); the loss is the clipped surrogate
/// (`epsilon`, `epsilon_high`) plus `beta * k3` per token, averaged by `loss_type`.
///
/// In population mode the group is the prompt's whole output distribution under the behaviour
/// policy (its exact mean and standard deviation).
///
/// `kl_coef` (TRL's `beta`, default 0: no KL term) is also the beta whose pi* the run's
/// `kl/optimal` measures; with the default `k3` in the loss and group std scaling the fixed
/// point is not pi* (see `docs/plugins/grpo.md`); `kl_placement = "reward"` with `k1` makes
/// it pi*.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Grpo {
    /// beta (TRL's `beta`: 0.0, no KL term).
    #[serde(alias = "beta")]
    pub kl_coef: f64,
    /// The per-token KL estimator (TRL: `k3`).
    pub kl_estimator: KlEstimator,
    /// `"loss"` (GRPO) or `"reward"`.
    pub kl_placement: KlPlacement,
    /// `"group"`, `"batch"` or `"none"` (TRL: `"group"`).
    pub scale_rewards: ScaleRewards,
    /// `"dapo"` (TRL's default), `"bnpo"`, `"grpo"` or `"dr_grpo"`.
    pub loss_type: LossType,
    /// Completions per prompt in sampled mode (TRL: 8).
    pub num_generations: usize,
    /// `"population"` (the default, where outputs can be enumerated) or a number of sampled
    /// completions per step (a multiple of `num_generations`).
    pub rollouts: RolloutMode,
    /// The ratio's lower clip, `1 - epsilon` (TRL: 0.2).
    pub epsilon: f64,
    /// The ratio's upper clip, `1 + epsilon_high` (none: `epsilon`).
    pub epsilon_high: Option<f64>,
    /// Passes over each rollout (TRL's `num_iterations`, mu: 1).
    pub num_iterations: usize,
    /// Minibatches per pass, one optimizer step each (TRL: 1 per generation).
    pub steps_per_generation: usize,
    /// The entropy bonus's weight (TRL: 0).
    pub entropy_coef: f64,
    /// How language-model policies generate completions (none: the defaults); its
    /// `max_new_tokens` is `dr_grpo`'s constant.
    pub sampling: Option<SamplingOptions>,
}

impl Default for Grpo {
    fn default() -> Self {
        Self {
            kl_coef: 0.0,
            kl_estimator: KlEstimator::K3,
            kl_placement: KlPlacement::Loss,
            scale_rewards: ScaleRewards::Group,
            loss_type: LossType::Dapo,
            num_generations: 8,
            rollouts: RolloutMode::Population,
            epsilon: 0.2,
            epsilon_high: None,
            num_iterations: 1,
            steps_per_generation: 1,
            entropy_coef: 0.0,
            sampling: None,
        }
    }
}

impl OnPolicy for Grpo {
    fn name(&self) -> &'static str {
        "grpo"
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
        let rewards: Vec<f64> = match self.kl_placement {
            KlPlacement::Reward => kl_penalized_rewards(&rollout.scores, &kl, beta),
            KlPlacement::Loss => rollout.scores.clone(),
        };
        let groups = group_moments(rollout, &rewards);
        let batch_std = batch_moments(rollout, &rewards).1;
        let advantages: Vec<f64> = rewards
            .iter()
            .zip(&rollout.prompt_of)
            .map(|(reward, &prompt)| {
                let (mean, std) = groups[prompt];
                let centred = reward - mean;
                match self.scale_rewards {
                    ScaleRewards::Group => centred / (std + STD_EPSILON),
                    ScaleRewards::Batch => centred / (batch_std + STD_EPSILON),
                    ScaleRewards::None => centred,
                }
            })
            .collect();
        let per_token: Vec<f64> = rollout
            .mask
            .chunks(rollout.width)
            .zip(&advantages)
            .flat_map(|(mask, a)| mask.iter().map(move |m| m * a))
            .collect();
        let length = self
            .sampling
            .as_ref()
            .map_or(rollout.width, |s| s.max_new_tokens);
        let mut metrics = reward_metrics(rollout, &groups, &kl, beta);
        if self.kl_placement == KlPlacement::Reward {
            metrics.push(("kl".into(), token_mean_kl(rollout, self.kl_estimator)));
        }
        Ok(Planned {
            plan: UpdatePlan {
                advantages: Advantages::PerToken(per_token),
                aggregation: self.loss_type.aggregation(length),
                clip_low: self.epsilon,
                clip_high: self.epsilon_high.unwrap_or(self.epsilon),
                kl_in_loss: (self.kl_placement == KlPlacement::Loss && beta > 0.0)
                    .then_some((self.kl_estimator, beta)),
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

/// `sum_t kl_t` per completion at the behaviour policy, with `estimator`.
pub fn sequence_kl(rollout: &Rollout, estimator: KlEstimator) -> Vec<f64> {
    let kl: Vec<f64> = rollout
        .old_logps
        .iter()
        .zip(&rollout.ref_logps)
        .map(|(logp, reference)| estimator.value(*logp, *reference))
        .collect();
    rollout.sequence_sums(&kl)
}

/// Each completion's reward with the KL to the reference subtracted, `R = r - beta sum_t kl_t`
/// (the KL in the reward, as RLOO and GRPO with `kl_placement = "reward"` take it; Ahmadian et
/// al. 2024, arXiv:2402.14740, eq. 6); `scores` and `kl` per completion ([`sequence_kl`]).
pub fn kl_penalized_rewards(scores: &[f64], kl: &[f64], beta: f64) -> Vec<f64> {
    scores
        .iter()
        .zip(kl)
        .map(|(score, kl)| score - beta * kl)
        .collect()
}

/// The per-token mean KL estimate over the rollout's tokens (TRL's GRPO and RLOO `kl`).
pub fn token_mean_kl(rollout: &Rollout, estimator: KlEstimator) -> f64 {
    let weights = rollout.token_weights();
    let total: f64 = weights.iter().sum();
    let sum: f64 = (0..weights.len())
        .map(|k| weights[k] * estimator.value(rollout.old_logps[k], rollout.ref_logps[k]))
        .sum();
    if total > 0.0 { sum / total } else { 0.0 }
}

/// The rollout's metrics under the names of TRL's GRPO and RLOO trainers (`reward`,
/// `reward_std`, `frac_reward_zero_std`) and its PPO trainer (`objective/...`).
pub fn reward_metrics(
    rollout: &Rollout,
    groups: &[(f64, f64)],
    kl: &[f64],
    beta: f64,
) -> Vec<(String, f64)> {
    let (mean_score, std_score) = batch_moments(rollout, &rollout.scores);
    let zero_std = groups.iter().filter(|(_, std)| *std <= 1e-8).count() as f64;
    let mean_kl = rollout.mean(kl);
    let entropy = -rollout.mean(&rollout.sequence_sums(&rollout.old_logps));
    vec![
        ("reward".into(), mean_score),
        ("reward_std".into(), std_score),
        (
            "frac_reward_zero_std".into(),
            zero_std / groups.len().max(1) as f64,
        ),
        ("entropy".into(), entropy),
        ("objective/kl".into(), mean_kl),
        ("objective/entropy".into(), entropy),
        ("objective/non_score_reward".into(), -beta * mean_kl),
        ("objective/rlhf_reward".into(), mean_score - beta * mean_kl),
        ("objective/scores".into(), mean_score),
    ]
}

#[plugin(
    name = "grpo",
    summary = "GRPO: group-normalized advantages, no critic, k3 KL in the loss (TRL's GRPOTrainer)",
    paper = "arXiv:2402.03300"
)]
impl Algorithm for Grpo {
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
            "a group needs at least 2 completions to have a mean to compare with",
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
