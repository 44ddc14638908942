//! `[reward] type = "ground_truth"`: the task's own true reward.

use prefopt_core::burn::tensor::{Device, Tensor};
use prefopt_core::{
    BuiltReward, PrefoptError, RewardConfig, RewardModel, SequenceBatch, Task, plugin,
};
use serde::{Deserialize, Serialize};

/// The task's true reward r(x, y) (a bandit's reward table), the reward every `kl/optimal` is
/// measured with: an algorithm trained on it aims at exactly the pi* the run reports against.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroundTruth {}

/// A reward model borrowed from the task.
#[derive(Debug)]
struct Borrowed<'t>(&'t dyn RewardModel);

impl RewardModel for Borrowed<'_> {
    fn score(&self, batch: &SequenceBatch) -> Tensor<1> {
        self.0.score(batch)
    }
}

#[plugin(
    name = "ground_truth",
    summary = "The task's true reward (a bandit's reward table)",
    paper = "arXiv:2305.18290"
)]
impl RewardConfig for GroundTruth {
    fn build<'t>(
        &self,
        task: &'t dyn Task,
        _seed: u64,
        _device: &Device,
    ) -> Result<BuiltReward<'t>, PrefoptError> {
        let truth = task.true_reward().ok_or_else(|| {
            PrefoptError::Incompatible(
                "reward `ground_truth` needs a task that knows its true reward, such as \
                 `bandit`; this task does not"
                    .into(),
            )
        })?;
        Ok(BuiltReward {
            model: Box::new(Borrowed(truth)),
            metrics: Vec::new(),
        })
    }

    fn check_task(&self, task: &dyn Task) -> Result<(), PrefoptError> {
        match task.true_reward() {
            Some(_) => Ok(()),
            None => Err(PrefoptError::Incompatible(
                "reward `ground_truth` needs a task that knows its true reward, such as \
                 `bandit`; this task does not"
                    .into(),
            )),
        }
    }
}
