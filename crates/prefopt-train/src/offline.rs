//! The `offline` algorithm: preference training on a fixed data set with any registered
//! objective.

use crate::checkpoint::{CheckpointState, prune_checkpoints, restore_training, write_checkpoint};
use crate::evaluate_split::MetricMeans;
use crate::offline_eval::{EvaluationSetup, OfflineEvaluation};
use crate::optimizer::{StepReport, TrainingOptimizer, probe_batch};
use crate::pairs::{NoReference, Scored, objective_name, task_batch_output};
use crate::reference_cache::ReferenceCache;
use crate::schedule::LrSchedule;
use crate::step_batches::{StepBatches, first_sequences};
use prefopt_core::burn::tensor::Device;
use prefopt_core::{
    Algorithm, ConfigError, DataKind, PluginKind, Policy, PreferenceObjective, PrefoptError,
    ReferenceModel, RunContext, RunReport, SamplingOptions, Task, TrainConfig, plugin, registry,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Instant;
use tracing::{debug, info, info_span};

/// Offline preference optimization (`[algorithm] type = "offline"`): minimizes
/// `[algorithm.objective]` over the task's preference data with AdamW, the policy starting at
/// the reference (Rafailov et al. 2023, arXiv:2305.18290, §4; TRL's `DPOTrainer`).
///
/// A step is `train.gradient_accumulation_steps` micro-batches of `train.batch_size` examples
/// (epochs over a finite data set in a seeded shuffled order, or batches the task samples), their
/// gradients summed, clipped to `train.max_grad_norm` by their global norm, then one AdamW update
/// at the scheduled learning rate ([`crate::optimizer`], [`crate::schedule`]).
///
/// Logs the objective's metrics, `grad_norm` and `learning_rate` every `train.log_every` steps.
/// Every `train.eval_every` steps and at the end it evaluates: on tasks whose outputs can be
/// enumerated `kl/optimal`, `kl/reference`, `reward/true`; on prompt tasks with a true reward
/// and a language-model policy the same metrics estimated from sampled completions, with
/// standard errors (`kl/optimal_se`, ...; [`crate::sampled_eval`]); on tasks with a held-out
/// split the objective there, as `eval_loss`, `eval_rewards/accuracies`, ... Writes a checkpoint every
/// `train.checkpoint_every` steps and when asked to stop (`RunContext::control`), keeps the
/// newest `train.keep_checkpoints`, and resumes from one ([`crate::checkpoint`]).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offline {
    /// The preference objective.
    pub objective: Box<dyn PreferenceObjective>,
    /// Score every example with the reference once, before training, and read the log-probs
    /// back from a file instead of running the reference each step (TRL's
    /// `precompute_ref_log_probs`, which TRL keeps in memory only). The file is keyed by a
    /// fingerprint of the data's token ids, the task's tokenization settings and the
    /// reference's weights, so later runs over the same inputs reuse it
    /// ([`crate::reference_cache`]). Needs a finite data set (a preference file) and a paired
    /// objective.
    #[serde(default)]
    pub precompute_ref_log_probs: bool,
    /// The cache file of `precompute_ref_log_probs` (default:
    /// `<asset cache>/reference-logps/<fingerprint>.bin`). A file made for other data, settings
    /// or weights is refused, naming what differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_log_probs_path: Option<PathBuf>,
    /// How the sampled evaluation of a language-model policy generates (`[algorithm.sampling]`,
    /// as on-policy algorithms take it): `max_new_tokens` (64), `stop_token_ids` (none given:
    /// the tokenizer's EOS); temperature 1 without `top_k`/`top_p`, so the draws are the
    /// policy's own. Used on prompt tasks with a true reward (`token_reward`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<SamplingOptions>,
}

impl Default for Offline {
    /// Offline training with `dpo` (or, when prefopt-dpo is not linked, the first registered
    /// objective) at its defaults: the example config of `prefopt plugins`.
    fn default() -> Self {
        let name = registry::find(PluginKind::Objective, "dpo")
            .or_else(|| {
                registry::plugins_of(PluginKind::Objective)
                    .into_iter()
                    .next()
            })
            .map_or("dpo", |info| info.name);
        let objective = serde_json::from_value(serde_json::json!({ "type": name }))
            .expect("objective plugins have defaults for every field");
        Self {
            objective,
            precompute_ref_log_probs: false,
            ref_log_probs_path: None,
            sampling: None,
        }
    }
}

/// The generator of step `step`'s training batch: ChaCha12 (rand's `StdRng`) keyed by the run's
/// seed and the step. Every step has its own stream, so a run resumed at step `t` draws exactly
/// the batches an uninterrupted run draws, with no generator state to save.
pub fn batch_rng(seed: u64, step: usize) -> StdRng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(step as u64).to_le_bytes());
    key[16..].copy_from_slice(b"prefopt/batches\0");
    StdRng::from_seed(key)
}

/// `train` with the policy's defaults filled in and checked, as a run error naming the field.
fn resolved_train(ctx: &RunContext<'_>) -> Result<TrainConfig, PrefoptError> {
    let train = ctx.train.resolved(&ctx.policy.train_defaults());
    train
        .validate()
        .map_err(|error| ConfigError::new(format!("train.{}", error.field), error.message))?;
    Ok(train)
}

#[plugin(
    name = "offline",
    summary = "Offline preference training of the policy with any registered objective (AdamW)",
    paper = "arXiv:2305.18290"
)]
impl Algorithm for Offline {
    fn run(&self, ctx: &mut RunContext<'_>) -> Result<RunReport, PrefoptError> {
        let train = resolved_train(ctx)?;
        if ctx.task.examples(prefopt_core::Split::Train) == Some(0) {
            return Err(PrefoptError::Data(
                "the task's training split holds no example: there is nothing to train on".into(),
            ));
        }
        let total = train
            .total_steps(ctx.task.examples(prefopt_core::Split::Train))
            .map_err(|error| ConfigError::new(format!("train.{}", error.field), error.message))?;
        let span = info_span!("offline", steps = total);
        let _guard = span.enter();
        let device = train.training_device(&ctx.device);
        let mut policy = ctx.policy.build(ctx.task, &device)?;
        // The reference is the initial policy, frozen before any checkpoint is loaded.
        let reference = self.reference(ctx, &*policy, train.batch_size())?;
        let schedule = LrSchedule::new(&train, total);
        let mut batches = StepBatches::new(ctx.task, &train, ctx.seed);
        let mut optimizer = TrainingOptimizer::new(&train);
        // Built before any checkpoint is loaded: the sampled evaluation draws its reference
        // samples from the policy at step 0, which is pi_ref.
        let evaluation = OfflineEvaluation::new(
            EvaluationSetup {
                objective: &*self.objective,
                reference: &*reference,
                reference_scores_anything: self.objective.needs_reference()
                    && !self.precompute_ref_log_probs,
                task: ctx.task,
                train: &train,
                sampling: self.sampling.as_ref(),
                seed: ctx.seed,
            },
            &*policy,
            device.clone(),
            &ctx.device,
        )?;
        let mut first_step = 0;
        let mut earlier_seconds = 0.0;
        if let Some(dir) = &ctx.control.resume_from {
            let (restored, state) = restore_training(dir, &mut *policy, optimizer)?;
            state.check_seed(dir, ctx.seed)?;
            if let Some(recorded) = state.schedule.filter(|recorded| *recorded != schedule) {
                return Err(PrefoptError::Incompatible(format!(
                    "{}: the checkpoint's learning-rate schedule ({recorded:?}) differs from \
                     this run's ({schedule:?}): the training data changed size since",
                    dir.display()
                )));
            }
            optimizer = restored;
            first_step = state.step;
            earlier_seconds = state.wall_seconds;
            info!(step = first_step, checkpoint = %dir.display(), "resuming");
        }
        info!(
            params = policy.num_params(),
            pairs = ctx.task.num_pairs(),
            examples = ctx.task.examples(prefopt_core::Split::Train),
            steps = total,
            "training"
        );
        let started = Instant::now();
        let wall = || earlier_seconds + started.elapsed().as_secs_f64();
        let seed = ctx.seed;
        let out_dir = ctx.out_dir.clone();
        let checkpoint = |step: usize,
                          policy: &dyn Policy,
                          optimizer: &TrainingOptimizer,
                          batches: &StepBatches<'_>| {
            let Some(dir) = out_dir.as_deref() else {
                return Ok(None);
            };
            let state = CheckpointState {
                data: batches.order().map(|order| order.position(step)),
                ..CheckpointState::resumable_at(step, seed, wall(), schedule)
            };
            let written = write_checkpoint(dir, policy, optimizer.module_optimizer(), state)?;
            if let Some(keep) = train.keep_checkpoints {
                prune_checkpoints(dir, keep)?;
            }
            Ok::<_, PrefoptError>(Some(written))
        };
        let mut finished = total;
        for done in first_step..total {
            if ctx.control.stop.is_requested() {
                let written = checkpoint(done, &*policy, &optimizer, &batches)?;
                info!(step = done, checkpoint = ?written, "stopping on request");
                ctx.control.stop.stopped_after(done);
                finished = done;
                break;
            }
            let evaluate = done % train.eval_every == 0;
            let log = done % train.log_every == 0 || evaluate;
            let micro_batches = batches.micro_batches(done, &device)?;
            let lr = schedule.lr(done);
            // Evaluated before the update, as the loss is: a row describes the parameters the
            // step starts from, and the update it makes (`grad_norm`, `learning_rate`).
            let evaluated = if evaluate {
                evaluation.metrics(&*policy)?
            } else {
                Vec::new()
            };
            let (means, report) = self
                .step(
                    &mut *policy,
                    &*reference,
                    &mut optimizer,
                    &micro_batches,
                    lr,
                    log,
                )
                .map_err(|error| at_step(error, done))?;
            if log {
                let mut values = means.means("");
                if let Some(norm) = report.grad_norm {
                    values.push(("grad_norm".into(), norm));
                }
                values.push(("learning_rate".into(), lr));
                if let Some(order) = batches.order() {
                    values.push(("epoch".into(), order.epoch_progress(done)));
                }
                values.extend(evaluated);
                values.push(("wall_seconds".into(), wall()));
                debug!(step = done, ?values, "step");
                ctx.sink.log(done, &values)?;
            }
            let step = done + 1;
            if train.checkpoint_due(step) {
                checkpoint(step, &*policy, &optimizer, &batches)?;
            }
            ctx.sink.progress(step, total);
        }
        // The state reached: loss and metrics at the trained parameters, and the evaluation.
        let mut means = MetricMeans::default();
        let snapshot = policy.snapshot();
        let scored = match &snapshot {
            Some(snapshot) => Scored::Snapshot(&**snapshot),
            None => Scored::Policy(&*policy),
        };
        for batch in batches.micro_batches(finished, &device)?.iter().take(1) {
            let output = task_batch_output(&*self.objective, scored, &*reference, batch)?;
            means
                .add(&output, batch.len())
                .map_err(|error| at_step(error, finished))?;
        }
        let mut metrics = means.means("");
        metrics.extend(evaluation.metrics(&*policy)?);
        ctx.sink.log(finished, &metrics)?;
        info!(seconds = wall(), steps = finished, "trained");
        Ok(RunReport {
            metrics,
            artifacts: Vec::new(),
            policy: Some(policy),
            steps: finished,
        })
    }

    fn check_task(
        &self,
        task: &dyn Task,
        _reward: Option<&dyn prefopt_core::RewardConfig>,
        device: &Device,
    ) -> Result<(), PrefoptError> {
        crate::offline_check::check_offline_task(self, task, device)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.ref_log_probs_path.is_some() && !self.precompute_ref_log_probs {
            return Err(ConfigError::new(
                "ref_log_probs_path",
                "is read only with `precompute_ref_log_probs = true`",
            ));
        }
        if let Some(sampling) = &self.sampling {
            sampling
                .validate()
                .map_err(|e| ConfigError::new(format!("sampling.{}", e.field), e.message))?;
            if sampling.temperature != 1.0 || sampling.top_k.is_some() || sampling.top_p.is_some() {
                return Err(ConfigError::new(
                    "sampling",
                    "the sampled evaluation needs completions drawn from the policy itself: \
                     temperature 1, no top_k, no top_p",
                ));
            }
        }
        self.objective
            .validate()
            .map_err(|e| ConfigError::new(format!("objective.{}", e.field), e.message))
    }
}

impl Offline {
    /// The reference the objective compares with: none for reference-free objectives, the
    /// frozen initial policy, or its log-probs read from the cache.
    fn reference(
        &self,
        ctx: &RunContext<'_>,
        policy: &dyn Policy,
        batch_size: usize,
    ) -> Result<Box<dyn ReferenceModel>, PrefoptError> {
        if !self.objective.needs_reference() {
            return Ok(Box::new(NoReference));
        }
        if !self.precompute_ref_log_probs {
            return Ok(policy.freeze());
        }
        if self.objective.data() == DataKind::Unpaired {
            return Err(PrefoptError::Incompatible(format!(
                "algorithm.precompute_ref_log_probs: the objective {} compares mismatched \
                 (prompt, completion) pairs that are not examples of the data, so their \
                 reference log-probs cannot be precomputed; leave it false",
                objective_name(&*self.objective)
            )));
        }
        let frozen = policy.freeze();
        // The token ids are fingerprinted one by one; the task's summary names how they were
        // made (format, splits, skips).
        let mut cache = ReferenceCache::new(format!("{:?}", ctx.task)).with_batch_size(batch_size);
        if let Some(path) = &self.ref_log_probs_path {
            cache = cache.with_path(prefopt_core::expand_user_path(path)?);
        }
        let cached = cache.load_or_build(ctx.task, &*frozen, &ctx.device)?;
        info!(
            path = %cached.path().display(),
            built = cached.was_built(),
            seconds = ?cached.timings(),
            "reference log-probs"
        );
        Ok(Box::new(cached))
    }

    /// One optimizer step over `micro_batches`: each loss scaled by its share of the step's
    /// examples, so the summed gradients are the gradient of the whole batch's mean loss. With
    /// `log`, the means of the losses and metrics (read back from the device).
    fn step(
        &self,
        policy: &mut dyn Policy,
        reference: &dyn ReferenceModel,
        optimizer: &mut TrainingOptimizer,
        micro_batches: &[prefopt_core::TaskBatch],
        lr: f64,
        log: bool,
    ) -> Result<(MetricMeans, StepReport), PrefoptError> {
        let examples: usize = micro_batches.iter().map(|batch| batch.len()).sum();
        let probe = micro_batches
            .first()
            .map(|batch| probe_batch(first_sequences(batch)))
            .ok_or_else(|| PrefoptError::Data("a training step without examples".into()))?;
        let mut means = MetricMeans::default();
        let last = micro_batches.len() - 1;
        for (index, batch) in micro_batches.iter().enumerate() {
            let output = task_batch_output(&*self.objective, &*policy, reference, batch)?;
            if log {
                means.add(&output, batch.len())?;
            }
            let share = batch.len() as f64 / examples.max(1) as f64;
            let loss = if micro_batches.len() == 1 {
                output.loss
            } else {
                output.loss.mul_scalar(share)
            };
            let grads = loss.backward();
            if index < last {
                optimizer.accumulate(policy, grads);
            } else {
                let report = optimizer.step(policy, lr, grads, &probe, log)?;
                return Ok((means, report));
            }
        }
        unreachable!("the last micro-batch returns")
    }
}

/// `error` with the step it happened at.
fn at_step(error: PrefoptError, step: usize) -> PrefoptError {
    match error {
        PrefoptError::Numerical(message) => {
            PrefoptError::Numerical(format!("{message} at step {step}"))
        }
        other => other,
    }
}
