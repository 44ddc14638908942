//! `[algorithm] type = "ppo"`: PPO with a KL penalty in the reward and a critic (Ziegler et al.
//! 2019; Ouyang et al. 2022; TRL's `PPOTrainer`).

use crate::critic::CriticKind;
use crate::gae::gae;
use crate::kl::KlEstimator;
use crate::kl_control::AdaptiveKl;
use crate::onpolicy::{Common, OnPolicy, Planned, run_on_policy};
use crate::rollout::{Rollout, RolloutMode};
use crate::update::{Advantages, Aggregation, UpdatePlan, ValueTargets};
use crate::validate;
use crate::whiten::whiten;
use prefopt_core::{
    Algorithm, ConfigError, PrefoptError, RunContext, RunReport, SamplingOptions, plugin,
};
use prefopt_models::TrunkConfig;
use serde::{Deserialize, Serialize};

/// PPO for RLHF (Schulman et al. 2017, arXiv:1707.06347; Ziegler et al. 2019,
/// arXiv:1909.08593; Ouyang et al. 2022, arXiv:2203.02155, eq. 2), as TRL's `PPOTrainer`
/// computes it, with `PPOConfig`'s defaults.
///
/// Each step rolls out completions (the whole population where outputs can be enumerated, or
/// `rollouts = N` samples), scores them with `[reward]`, and builds per-token rewards
/// `r_t = -beta kl_t` plus the score at the last token (`kl_t` by `kl_estimator`; the score
/// optionally clipped to `±reward_clip` and lowered by `missing_eos_penalty` for completions
/// without EOS), optionally whitened (`whiten_rewards`, mean kept). The critic's values give GAE
/// advantages (`gamma`, `lam`), whitened, and returns. Then `num_ppo_epochs` passes over
/// `num_mini_batches` minibatches minimize the clipped surrogate (`cliprange`) plus `vf_coef`
/// times the clipped value loss (`cliprange_value`) minus `entropy_coef` times the entropy.
///
/// `kl_coef` is beta of `max E[r] - beta KL(pi || pi_ref)`: with `k1` the fixed point is
/// `pi* = pi_ref exp(r / beta) / Z`, against which the run reports `kl/optimal`. `adaptive_kl`
/// steers beta to a target KL instead (Ziegler et al. 2019, §2.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ppo {
    /// beta, the KL coefficient (TRL: 0.05).
    pub kl_coef: f64,
    /// The per-token KL estimator in the reward (TRL: `k1`).
    pub kl_estimator: KlEstimator,
    /// Steer beta to a target KL (none: fixed beta, TRL's behaviour).
    pub adaptive_kl: Option<AdaptiveKl>,
    /// `"population"` (the default, where outputs can be enumerated) or a number of sampled
    /// completions per step.
    pub rollouts: RolloutMode,
    /// The critic: `"table"` (a value per context, tabular policies), `"value_model"` (a value
    /// per token, language models) or `"none"`.
    pub critic: CriticKind,
    /// The value model's trunk with `critic = "value_model"` (`[algorithm.value_model]`: `model`,
    /// `tiny` or `architecture`, and `seed`; none: the tiny random trunk).
    pub value_model: Option<TrunkConfig>,
    /// The policy ratio is clipped to `1 ± cliprange` (TRL: 0.2).
    pub cliprange: f64,
    /// Values are clipped to `V_old ± cliprange_value` (TRL: 0.2).
    pub cliprange_value: f64,
    /// The value loss's weight (TRL: 0.1).
    pub vf_coef: f64,
    /// Discount (TRL: 1).
    pub gamma: f64,
    /// GAE's lambda (TRL: 0.95).
    pub lam: f64,
    /// Passes over each rollout (TRL: 4).
    #[serde(alias = "ppo_epochs")]
    pub num_ppo_epochs: usize,
    /// Minibatches per pass, one optimizer step each (TRL: 1).
    pub num_mini_batches: usize,
    /// Whiten the per-token rewards, keeping their mean (TRL: false).
    pub whiten_rewards: bool,
    /// Whiten the advantages (TRL always does).
    pub whiten_advantages: bool,
    /// Clip scores to `[-reward_clip, reward_clip]` (none: no clipping).
    pub reward_clip: Option<f64>,
    /// Subtracted from the score of a completion that ends without EOS (TRL: none). Only for
    /// policies that generate token sequences: a table's completions are single actions.
    pub missing_eos_penalty: Option<f64>,
    /// The entropy bonus's weight (0: none, as TRL).
    pub entropy_coef: f64,
    /// How language-model policies generate completions (none: the defaults).
    pub sampling: Option<SamplingOptions>,
}

impl Default for Ppo {
    fn default() -> Self {
        Self {
            kl_coef: 0.05,
            kl_estimator: KlEstimator::K1,
            adaptive_kl: None,
            rollouts: RolloutMode::Population,
            critic: CriticKind::Table,
            value_model: None,
            cliprange: 0.2,
            cliprange_value: 0.2,
            vf_coef: 0.1,
            gamma: 1.0,
            lam: 0.95,
            num_ppo_epochs: 4,
            num_mini_batches: 1,
            whiten_rewards: false,
            whiten_advantages: true,
            reward_clip: None,
            missing_eos_penalty: None,
            entropy_coef: 0.0,
            sampling: None,
        }
    }
}

impl OnPolicy for Ppo {
    fn name(&self) -> &'static str {
        "ppo"
    }

    fn common(&self) -> Common<'_> {
        Common {
            rollouts: self.rollouts,
            per_prompt: 1,
            kl_coef: self.kl_coef,
            adaptive: self.adaptive_kl,
            critic: self.critic,
            value_model: self.value_model.as_ref(),
            sampling: self.sampling.as_ref(),
            missing_eos_penalty: self.missing_eos_penalty,
        }
    }

    fn plan(
        &self,
        rollout: &Rollout,
        values: Option<&[f64]>,
        beta: f64,
    ) -> Result<Planned, PrefoptError> {
        let width = rollout.width;
        let mut scores = rollout.scores.clone();
        if let Some(penalty) = self.missing_eos_penalty {
            for (score, finished) in scores.iter_mut().zip(&rollout.finished) {
                if !finished {
                    *score -= penalty;
                }
            }
        }
        if let Some(clip) = self.reward_clip {
            scores.iter_mut().for_each(|s| *s = s.clamp(-clip, clip));
        }
        let kl: Vec<f64> = (0..rollout.mask.len())
            .map(|k| {
                rollout.mask[k]
                    * self
                        .kl_estimator
                        .value(rollout.old_logps[k], rollout.ref_logps[k])
            })
            .collect();
        let non_score: Vec<f64> = kl.iter().map(|k| -beta * k).collect();
        let mut rewards = non_score.clone();
        for (row, mask) in rollout.mask.chunks(width).enumerate() {
            let last = mask.iter().rposition(|m| *m > 0.0).unwrap_or(0);
            rewards[row * width + last] += scores[row];
        }
        let token_weights = rollout.token_weights();
        let unbiased = !rollout.population;
        if self.whiten_rewards {
            rewards = whiten(&rewards, &token_weights, unbiased, false);
        }
        let old_values: Vec<f64> = match values {
            Some(values) => values
                .iter()
                .zip(&rollout.mask)
                .map(|(v, m)| v * m)
                .collect(),
            None => vec![0.0; rewards.len()],
        };
        let (advantages, returns) = gae(&rewards, &old_values, width, self.gamma, self.lam);
        let advantages = if self.whiten_advantages {
            whiten(&advantages, &token_weights, unbiased, true)
        } else {
            advantages
                .iter()
                .zip(&rollout.mask)
                .map(|(a, m)| a * m)
                .collect()
        };
        let mean_kl = rollout.mean(&rollout.sequence_sums(&kl));
        let entropy = -rollout.mean(&rollout.sequence_sums(&rollout.old_logps));
        let mean_non_score = rollout.mean(&rollout.sequence_sums(&non_score));
        let mean_score = rollout.mean(&scores);
        let metrics = vec![
            ("objective/kl".into(), mean_kl),
            ("objective/entropy".into(), entropy),
            ("objective/non_score_reward".into(), mean_non_score),
            ("objective/rlhf_reward".into(), mean_score + mean_non_score),
            ("objective/scores".into(), mean_score),
        ];
        let value = values.map(|_| ValueTargets {
            returns,
            old_values,
            cliprange_value: self.cliprange_value,
            vf_coef: self.vf_coef,
        });
        Ok(Planned {
            plan: UpdatePlan {
                advantages: Advantages::PerToken(advantages),
                aggregation: Aggregation::TokenMean,
                clip_low: self.cliprange,
                clip_high: self.cliprange,
                kl_in_loss: None,
                entropy_coef: self.entropy_coef,
                value,
                epochs: self.num_ppo_epochs,
                minibatches: self.num_mini_batches,
            },
            metrics,
            kl: mean_kl,
        })
    }
}

#[plugin(
    name = "ppo",
    summary = "PPO with a KL penalty to the reference in the reward, a critic and GAE (TRL's PPOTrainer)",
    paper = "arXiv:1707.06347"
)]
impl Algorithm for Ppo {
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
        validate::kl_coef(self.kl_coef, self.adaptive_kl.as_ref())?;
        validate::positive("cliprange", self.cliprange)?;
        validate::positive("cliprange_value", self.cliprange_value)?;
        validate::non_negative("vf_coef", self.vf_coef)?;
        validate::unit_interval("gamma", self.gamma)?;
        validate::unit_interval("lam", self.lam)?;
        validate::at_least_one("num_ppo_epochs", self.num_ppo_epochs)?;
        validate::at_least_one("num_mini_batches", self.num_mini_batches)?;
        if let Some(clip) = self.reward_clip {
            validate::positive("reward_clip", clip)?;
        }
        if let Some(penalty) = self.missing_eos_penalty {
            validate::non_negative("missing_eos_penalty", penalty)?;
        }
        validate::non_negative("entropy_coef", self.entropy_coef)?;
        validate::rollouts(self.rollouts, 1, "-")?;
        if let Some(value_model) = &self.value_model {
            value_model.validate("value_model")?;
        }
        validate::sampling(self.sampling.as_ref())
    }
}
