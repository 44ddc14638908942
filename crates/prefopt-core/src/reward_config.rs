//! Reward models chosen in a config: `[reward] type = "..."`.

use crate::{ConfigError, MetricValues, PluginKind, PluginTrait, PrefoptError, RewardModel, Task};
use burn::tensor::Device;
use std::fmt::Debug;

/// A reward model built for a task, with what building it measured (a learned model's held-out
/// accuracy and margin, say; nothing for a task's ground truth).
#[derive(Debug)]
pub struct BuiltReward<'t> {
    /// r(x, y).
    pub model: Box<dyn RewardModel + 't>,
    /// Metrics of the build, with their final names (e.g. `reward_model/eval_accuracy`).
    pub metrics: MetricValues,
}

/// Builds the reward model an algorithm scores completions with: `[reward] type = "..."` in a
/// config (the task's ground truth, a model learned from the task's preference pairs under
/// Bradley–Terry, or one saved by an earlier run).
///
/// The reward model may borrow from the task (a ground-truth table does), hence the lifetime.
#[typetag::serde(tag = "type")]
pub trait RewardConfig: Debug + Send + Sync {
    /// Builds the reward model for `task` on `device` (without autodiff: rewards are constants
    /// to the algorithms that use them); `seed` drives any training the build does.
    fn build<'t>(
        &self,
        task: &'t dyn Task,
        seed: u64,
        device: &Device,
    ) -> Result<BuiltReward<'t>, PrefoptError>;

    /// Rejects values the reward model cannot take, naming the field.
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }

    /// Refuses, without building anything, a `task` this reward cannot be built for (the
    /// task's ground truth on a task that knows none). The default accepts every task.
    fn check_task(&self, task: &dyn Task) -> Result<(), PrefoptError> {
        let _ = task;
        Ok(())
    }
}

impl PluginTrait for dyn RewardConfig {
    const KIND: PluginKind = PluginKind::Reward;
    const SECTION: &'static str = "reward";
}
