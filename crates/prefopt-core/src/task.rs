//! Tasks: where preference data comes from, and the truth where it is known.

use crate::{
    ConfigError, PluginKind, PluginTrait, PreferenceBatch, PrefoptError, RewardModel, Split,
    TaskBatch, TextTokenizer,
};
use burn::tensor::Device;
use rand::rngs::StdRng;
use std::fmt::Debug;
use std::sync::Arc;

/// The ground truth of a task whose output space can be enumerated: per context, every output's
/// reference log-prob and true reward. With it the RLHF optimum is known in closed form,
/// `pi*(y|x) = pi_ref(y|x) exp(r(x,y)/beta) / Z(x)`.
///
/// Tables are row-major `[contexts, outputs]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TabularTruth {
    /// Number of contexts x.
    pub contexts: usize,
    /// Number of outputs y per context.
    pub outputs: usize,
    /// `log pi_ref(y | x)`, each row normalized.
    pub reference_logps: Vec<f64>,
    /// `r(x, y)`.
    pub rewards: Vec<f64>,
}

/// A built task: the data an algorithm trains on.
pub trait Task: Debug + Send + Sync {
    /// The next training batch. Tasks with a finite data set sample `batch_size` pairs from it;
    /// a task may instead return the exact population of pairs with weights (then `batch_size`
    /// is ignored).
    fn training_batch(
        &self,
        rng: &mut StdRng,
        batch_size: usize,
        device: &Device,
    ) -> PreferenceBatch;

    /// The truth, where the output space can be enumerated.
    fn truth(&self) -> Option<&TabularTruth> {
        None
    }

    /// The true reward model, where the task knows one.
    fn true_reward(&self) -> Option<&dyn RewardModel> {
        None
    }

    /// The prompts on-policy algorithms (PPO, GRPO, RLOO) sample completions for, as token ids,
    /// where the task gives prompts of its own (a prompt task over token sequences); `None` by
    /// default (tasks whose outputs can be enumerated give their contexts through
    /// [`truth`](Self::truth)).
    fn prompts(&self) -> Option<&[Vec<u32>]> {
        None
    }

    /// The number of distinct preference pairs in the data (`None` when it is a population).
    fn num_pairs(&self) -> Option<usize>;

    /// The number of examples of `split` when the task is a finite data set read by position
    /// (a preference file); `None` for tasks that sample or give populations (the default).
    /// Trainers then go through the training split in epochs, in a seeded shuffled order,
    /// with [`batch_at`](Self::batch_at), and evaluate on the `Eval` split.
    fn examples(&self, split: Split) -> Option<usize> {
        let _ = split;
        None
    }

    /// The examples of `split` at `indices` (each `< examples(split)`), collated on `device`.
    fn batch_at(
        &self,
        split: Split,
        indices: &[usize],
        device: &Device,
    ) -> Result<TaskBatch, PrefoptError> {
        let _ = (indices, device);
        Err(PrefoptError::Incompatible(format!(
            "this task has no {} examples read by position: {self:?}",
            split.as_str()
        )))
    }
}

/// Builds a task: `[task] type = "..."` in a config.
#[typetag::serde(tag = "type")]
pub trait TaskConfig: Debug + Send + Sync {
    /// Builds the task; `seed` drives every random choice it makes.
    fn build(&self, seed: u64) -> Result<Box<dyn Task>, PrefoptError>;

    /// Builds the task with access to the policy's tokenizer
    /// ([`PolicyConfig::tokenizer`](crate::PolicyConfig::tokenizer)), which tasks over text call
    /// to tokenize their data. It is read only when called, so tasks over ids (the default, which
    /// calls [`build`](Self::build)) cost nothing extra.
    fn build_with_tokenizer(
        &self,
        seed: u64,
        tokenizer: &dyn Fn() -> Result<Option<Arc<dyn TextTokenizer>>, PrefoptError>,
    ) -> Result<Box<dyn Task>, PrefoptError> {
        let _ = tokenizer;
        self.build(seed)
    }

    /// Rejects values the task cannot take.
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}

impl PluginTrait for dyn TaskConfig {
    const KIND: PluginKind = PluginKind::Task;
    const SECTION: &'static str = "task";
}
