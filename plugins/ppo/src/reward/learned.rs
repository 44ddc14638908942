//! `[reward] type = "learned"`: a reward model fitted to the task's preference pairs before the
//! algorithm runs: a table on tabular tasks, a network on tasks over token sequences.

use super::bradley_terry::{FitSettings, fit_reward_table};
use super::network_fit::fit_reward_network;
use super::validate::check_fit;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{
    BuiltReward, ConfigError, MetricValues, NullSink, PrefoptError, RewardConfig, Task, plugin,
};
use prefopt_models::reward_model::RewardNetworkConfig;
use serde::{Deserialize, Serialize};

/// The learning rate of a reward table (Adam, in the table's own units).
pub const TABLE_LR: f64 = 0.05;

/// The learning rate of a reward network (Adam on a small transformer).
pub const NETWORK_LR: f64 = 1e-3;

/// A reward model learned from the task's preference pairs under Bradley–Terry (Ouyang et al.
/// 2022, arXiv:2203.02155, eq. 1; TRL's `RewardTrainer`): on tasks whose outputs can be
/// enumerated, a `[contexts, outputs]` table; on tasks over token sequences, the network of
/// `[reward.network]` (a transformer encoder with a scalar head, or a scalar head on a causal-LM
/// trunk), both fitted with Adam. Its final metrics are reported with the run's as
/// `reward_model/eval_accuracy`, `reward_model/eval_margin`, ...
///
/// The same fit as `[algorithm] type = "reward_model"`, which also writes the model to its run
/// directory for `[reward] type = "saved"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Learned {
    /// Adam steps.
    pub steps: usize,
    /// Adam's learning rate (none: 0.05 for a table, 1e-3 for a network).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// Pairs per step.
    pub batch_size: usize,
    /// Subtracted from every reward difference (TRL's per-pair `margin`, one value here).
    pub margin: Option<f64>,
    /// TRL's `center_rewards_coefficient` (none: no centering term).
    pub center_rewards_coefficient: Option<f64>,
    /// The fraction of pairs held out for the reported accuracy (a task with a held-out split
    /// of its own is evaluated on that).
    pub eval_fraction: f64,
    /// The network fitted on tasks over token sequences.
    pub network: RewardNetworkConfig,
}

impl Default for Learned {
    fn default() -> Self {
        Self {
            steps: 2000,
            lr: None,
            batch_size: 64,
            margin: None,
            center_rewards_coefficient: None,
            eval_fraction: 0.1,
            network: RewardNetworkConfig::default(),
        }
    }
}

impl Learned {
    /// The fit's settings on `task` (the learning rate's default depends on the model fitted).
    fn settings(&self, task: &dyn Task) -> FitSettings {
        let default_lr = if task.truth().is_some() {
            TABLE_LR
        } else {
            NETWORK_LR
        };
        FitSettings {
            steps: self.steps,
            lr: self.lr.unwrap_or(default_lr),
            batch_size: self.batch_size,
            margin: self.margin,
            center_rewards_coefficient: self.center_rewards_coefficient,
            eval_fraction: self.eval_fraction,
            log_every: self.steps.max(1),
            eval_every: self.steps.max(1),
        }
    }
}

/// A fit's final metrics under `reward_model/...` names.
fn reward_model_metrics(metrics: MetricValues) -> MetricValues {
    metrics
        .into_iter()
        .map(|(name, value)| {
            let name = name.strip_prefix("reward/").unwrap_or(&name).to_string();
            (format!("reward_model/{name}"), value)
        })
        .collect()
}

#[plugin(
    name = "learned",
    summary = "A reward model fitted to the task's preference pairs (Bradley-Terry): a table on tabular tasks, an encoder or a causal-LM head on token sequences",
    paper = "arXiv:2203.02155"
)]
impl RewardConfig for Learned {
    fn build<'t>(
        &self,
        task: &'t dyn Task,
        seed: u64,
        device: &Device,
    ) -> Result<BuiltReward<'t>, PrefoptError> {
        let settings = self.settings(task);
        if task.truth().is_some() {
            let (table, metrics) = fit_reward_table(task, &settings, seed, device, &mut NullSink)?;
            return Ok(BuiltReward {
                model: Box::new(table),
                metrics: reward_model_metrics(metrics),
            });
        }
        let (network, _, metrics) =
            fit_reward_network(task, &self.network, &settings, seed, device, &mut NullSink)?;
        Ok(BuiltReward {
            model: Box::new(network),
            metrics: reward_model_metrics(metrics),
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        check_fit(
            self.lr.unwrap_or(TABLE_LR),
            self.batch_size,
            self.margin,
            self.center_rewards_coefficient,
            self.eval_fraction,
        )?;
        self.network.validate("network")
    }
}
