//! `[algorithm] type = "reward_model"`: fits a reward model to the task's preference pairs and
//! writes it into the run directory.

use super::bradley_terry::{FitSettings, fit_reward_table};
use super::network_file::{NETWORK_WEIGHTS_FILE, network_json};
use super::network_fit::fit_reward_network;
use super::table::REWARD_MODEL_FILE;
use super::validate::check_fit;
use prefopt_core::{
    Algorithm, ConfigError, PrefoptError, RunContext, RunReport, TrainLength, plugin,
};
use prefopt_models::reward_model::RewardNetworkConfig;
use serde::{Deserialize, Serialize};
use tracing::{info, info_span};

/// Reward-model training (Ouyang et al. 2022, arXiv:2203.02155, eq. 1; TRL's
/// `RewardTrainer`): Bradley–Terry on the task's preference pairs,
/// `-log sigmoid(r(x, y_w) - r(x, y_l) - margin)` plus TRL's centering term, with `[train]`'s
/// steps, learning rate and batch size. On tasks whose outputs can be enumerated the model is a
/// `[contexts, outputs]` table; on tasks over token sequences it is the network of
/// `[algorithm.network]` (a transformer encoder with a scalar head, or a scalar head on a
/// causal-LM trunk), whose weights go to `reward_model.bpk` beside `reward_model.json`.
///
/// Logs TRL's metrics (`loss`, `accuracy`, `margin`, `min_reward`, `mean_reward`, `max_reward`)
/// every `log_every` steps, the same on the held-out pairs with the `eval_` prefix every
/// `eval_every` steps, `reward/true_eval_accuracy` (the true reward's accuracy on the same
/// held-out pairs, the ceiling under Bradley–Terry noise) and `reward/order_agreement` (pairs
/// of actions ordered as by the true reward, weighted by the reference). Writes
/// `reward_model.json`, which `[reward] type = "saved"` loads. It trains in seconds and keeps
/// no checkpoints: a stop request is not waited for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RewardModelTrainer {
    /// Subtracted from every reward difference (TRL's per-pair `margin`, one value here).
    pub margin: Option<f64>,
    /// TRL's `center_rewards_coefficient` (none: no centering term).
    pub center_rewards_coefficient: Option<f64>,
    /// The fraction of sampled pairs held out for the `eval_` metrics (a population is
    /// evaluated whole; a task with a held-out split of its own is evaluated on that).
    pub eval_fraction: f64,
    /// The network fitted on tasks over token sequences.
    pub network: RewardNetworkConfig,
}

impl Default for RewardModelTrainer {
    fn default() -> Self {
        Self {
            margin: None,
            center_rewards_coefficient: None,
            eval_fraction: 0.1,
            network: RewardNetworkConfig::default(),
        }
    }
}

#[plugin(
    name = "reward_model",
    summary = "Trains a reward model on the task's preference pairs (Bradley-Terry) and writes it to the run",
    paper = "arXiv:2203.02155"
)]
impl Algorithm for RewardModelTrainer {
    fn run(&self, ctx: &mut RunContext<'_>) -> Result<RunReport, PrefoptError> {
        let steps = match ctx.train.length() {
            TrainLength::Steps(steps) => steps,
            TrainLength::Epochs(epochs) => {
                return Err(PrefoptError::Incompatible(format!(
                    "train.epochs = {epochs}: the reward-model trainer counts Adam steps over \
                     the task's pairs; give `train.steps`"
                )));
            }
        };
        let span = info_span!("reward_model", steps);
        let _guard = span.enter();
        let settings = FitSettings {
            steps,
            lr: ctx.train.lr(),
            batch_size: ctx.train.batch_size(),
            margin: self.margin,
            center_rewards_coefficient: self.center_rewards_coefficient,
            eval_fraction: self.eval_fraction,
            log_every: ctx.train.log_every,
            eval_every: ctx.train.eval_every,
        };
        if ctx.task.truth().is_some() {
            let (table, metrics) =
                fit_reward_table(ctx.task, &settings, ctx.seed, &ctx.device, &mut *ctx.sink)?;
            info!(?metrics, "reward model trained");
            return Ok(RunReport {
                metrics,
                artifacts: vec![(REWARD_MODEL_FILE.into(), table.to_json())],
                policy: None,
                steps,
            });
        }
        let (network, architecture, metrics) = fit_reward_network(
            ctx.task,
            &self.network,
            &settings,
            ctx.seed,
            &ctx.device,
            &mut *ctx.sink,
        )?;
        if let Some(dir) = &ctx.out_dir {
            network.save(&dir.join(NETWORK_WEIGHTS_FILE))?;
        }
        info!(?metrics, kind = architecture.kind(), "reward model trained");
        Ok(RunReport {
            metrics,
            artifacts: vec![(REWARD_MODEL_FILE.into(), network_json(&architecture))],
            policy: None,
            steps,
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        check_fit(
            1.0,
            1,
            self.margin,
            self.center_rewards_coefficient,
            self.eval_fraction,
        )?;
        self.network.validate("network")
    }
}
