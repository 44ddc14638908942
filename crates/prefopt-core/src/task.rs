//! Tasks: where preference data comes from, and the truth where it is known.

use crate::{
    ConfigError, PluginKind, PluginTrait, Policy, PreferenceBatch, PrefoptError, RewardModel,
    Split, TaskBatch, TextTokenizer,
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

    /// The prompts a sampled evaluation measures the policy on (its true reward and KLs):
    /// held-out prompts where the task keeps some apart, else (the default)
    /// [`prompts`](Self::prompts).
    fn eval_prompts(&self) -> Option<&[Vec<u32>]> {
        self.prompts()
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

/// Reads the policy's tokenizer ([`PolicyConfig::tokenizer`](crate::PolicyConfig::tokenizer))
/// when called.
pub type TokenizerLoader<'a> = &'a dyn Fn() -> Result<Option<Arc<dyn TextTokenizer>>, PrefoptError>;

/// Builds the reference policy pi_ref (the policy at initialization, on a device without
/// autodiff) when called, for `task` (a task built so far: the policy reads what it needs of
/// it, such as the truth of a tabular task).
pub type ReferenceLoader<'a> = &'a dyn Fn(&dyn Task) -> Result<Box<dyn Policy>, PrefoptError>;

/// What a task may draw on while it is built ([`TaskConfig::build_with`]): the run's seed, the
/// policy's tokenizer, and the reference policy pi_ref. Loaders run only when a task calls
/// them, so tasks that need neither cost nothing extra.
///
/// The policy at initialization is pi_ref in every run, so a task whose data are samples from
/// pi_ref (preference pairs of two reference completions, as in the DPO paper's
/// controlled-sentiment experiment, Rafailov et al. 2023, section 6.1) draws them from
/// [`reference_policy`](Self::reference_policy) with its own seed, and every run of a sweep
/// over training seeds trains on the same pairs.
#[derive(Clone, Copy)]
pub struct TaskInputs<'a> {
    /// The run's seed.
    pub seed: u64,
    /// The policy's tokenizer.
    pub tokenizer: TokenizerLoader<'a>,
    /// pi_ref, built when called.
    pub reference_policy: ReferenceLoader<'a>,
}

impl Debug for TaskInputs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskInputs")
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

/// The reference loader of inputs that have no policy to give: an error saying so.
fn no_reference_policy(_task: &dyn Task) -> Result<Box<dyn Policy>, PrefoptError> {
    Err(PrefoptError::Incompatible(
        "this task samples from the reference policy, but none was given to build it with \
         (build the task through a run, or pass `TaskInputs::reference_policy`)"
            .into(),
    ))
}

impl<'a> TaskInputs<'a> {
    /// Inputs with `seed` and `tokenizer` and no reference policy (a task that asks for one
    /// gets an error).
    pub fn new(seed: u64, tokenizer: TokenizerLoader<'a>) -> Self {
        Self {
            seed,
            tokenizer,
            reference_policy: &no_reference_policy,
        }
    }

    /// These inputs with `reference_policy` as the loader of pi_ref.
    pub fn with_reference_policy(self, reference_policy: ReferenceLoader<'a>) -> Self {
        Self {
            reference_policy,
            ..self
        }
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

    /// Builds the task from everything a run can give it ([`TaskInputs`]): the seed, the
    /// policy's tokenizer and the reference policy. The default calls
    /// [`build_with_tokenizer`](Self::build_with_tokenizer); tasks whose data are samples from
    /// pi_ref override it. Runners call this.
    fn build_with(&self, inputs: &TaskInputs<'_>) -> Result<Box<dyn Task>, PrefoptError> {
        self.build_with_tokenizer(inputs.seed, inputs.tokenizer)
    }

    /// The raw texts of the task's corpus, for training a tokenizer on them (`prefopt tokenizer
    /// train --task`); `None` (the default) for tasks without a text corpus of their own.
    fn corpus_texts(&self) -> Result<Option<Vec<String>>, PrefoptError> {
        Ok(None)
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
