//! What evaluates the policy of an offline run: the task's known answer (enumerable tasks), the
//! sampled evaluation (prompt tasks with a true reward and a language-model policy), and the
//! objective on the held-out split.

use crate::evaluate::KnownAnswer;
use crate::evaluate_split::evaluate_split;
use crate::sampled_eval::{SampledAnswer, SampledEvalSize, sampling_options};
use prefopt_core::burn::tensor::Device;
use prefopt_core::{
    MetricValues, Policy, PreferenceObjective, PrefoptError, ReferenceModel, SamplingOptions, Task,
    TrainConfig,
};

/// The evaluation of an offline run, built from the policy at step 0 (pi_ref).
#[derive(Debug)]
pub struct OfflineEvaluation<'a> {
    objective: &'a dyn PreferenceObjective,
    reference: &'a dyn ReferenceModel,
    task: &'a dyn Task,
    known: Option<KnownAnswer<'a>>,
    sampled: Option<Sampled<'a>>,
    batch_size: usize,
    device: Device,
}

/// The sampled evaluation and the reference it measures against.
#[derive(Debug)]
struct Sampled<'a> {
    answer: SampledAnswer<'a>,
    /// A frozen copy of the initial policy, where the training reference cannot score new
    /// completions (log-probs read from a cache, or a reference-free objective).
    own_reference: Option<Box<dyn ReferenceModel>>,
    /// The plain device the sampled batches are built on.
    device: Device,
}

/// Where an offline run evaluates, and how.
#[derive(Debug, Clone, Copy)]
pub struct EvaluationSetup<'a> {
    /// The objective trained (its beta is pi*'s).
    pub objective: &'a dyn PreferenceObjective,
    /// The reference the objective compares with.
    pub reference: &'a dyn ReferenceModel,
    /// Whether `reference` scores any completion (a frozen policy), rather than only the
    /// examples of the data (a cache) or nothing (a reference-free objective).
    pub reference_scores_anything: bool,
    /// The task.
    pub task: &'a dyn Task,
    /// The resolved `[train]` settings.
    pub train: &'a TrainConfig,
    /// `[algorithm] sampling`, how sampled evaluations generate.
    pub sampling: Option<&'a SamplingOptions>,
    /// The run's seed.
    pub seed: u64,
}

impl<'a> OfflineEvaluation<'a> {
    /// The evaluation of `setup`: the known answer where the task's outputs can be enumerated;
    /// otherwise, on a task with prompts and a true reward whose policy generates, the sampled
    /// evaluation, its reference samples drawn now from `initial_policy` (the policy at step 0,
    /// pi_ref); the held-out objective where the task has a split. `device` is the autodiff
    /// device the policy lives on, `plain` the one without.
    pub fn new(
        setup: EvaluationSetup<'a>,
        initial_policy: &dyn Policy,
        device: Device,
        plain: &Device,
    ) -> Result<Self, PrefoptError> {
        let task = setup.task;
        let beta = setup.objective.beta();
        let known = KnownAnswer::new(task, beta);
        let sampled = match (task.eval_prompts(), task.true_reward()) {
            (Some(prompts), Some(reward))
                if known.is_none()
                    && !prompts.is_empty()
                    && initial_policy.log_prob_table().is_none() =>
            {
                let options = sampling_options(setup.sampling, initial_policy);
                let answer = SampledAnswer::new(
                    prompts,
                    Some(reward),
                    beta,
                    SampledEvalSize::of(setup.train),
                    initial_policy,
                    &options,
                    plain,
                    setup.seed,
                )?;
                Some(Sampled {
                    answer,
                    own_reference: (!setup.reference_scores_anything)
                        .then(|| initial_policy.freeze()),
                    device: plain.clone(),
                })
            }
            _ => None,
        };
        Ok(Self {
            objective: setup.objective,
            reference: setup.reference,
            task,
            known,
            sampled,
            batch_size: setup.train.batch_size(),
            device,
        })
    }

    /// Whether the sampled evaluation runs.
    pub fn samples(&self) -> bool {
        self.sampled.is_some()
    }

    /// The metrics of `policy`: `kl/optimal`, `kl/reference`, `reward/true` (exact or sampled,
    /// the sampled ones with `_se` standard errors), and `eval_*` on the held-out split.
    pub fn metrics(&self, policy: &dyn Policy) -> Result<MetricValues, PrefoptError> {
        let mut values = self
            .known
            .as_ref()
            .map(|known| known.evaluate(policy))
            .unwrap_or_default();
        if let Some(sampled) = &self.sampled {
            let reference = sampled.own_reference.as_deref().unwrap_or(self.reference);
            values.extend(
                sampled
                    .answer
                    .evaluate(policy, reference, &sampled.device)?,
            );
        }
        if let Some(held_out) = evaluate_split(
            self.objective,
            policy,
            self.reference,
            self.task,
            self.batch_size,
            &self.device,
        )? {
            values.extend(held_out);
        }
        Ok(values)
    }
}
