//! The `offline` algorithm: preference training on a fixed data set with any registered
//! objective.

use crate::checkpoint::{CheckpointState, restore, write_checkpoint};
use crate::evaluate::KnownAnswer;
use crate::optimizer::adam;
use crate::pairs::{NoReference, objective_output};
use prefopt_core::burn::optim::ModuleOptimizer;
use prefopt_core::{
    Algorithm, ConfigError, MetricValues, ObjectiveOutput, PluginKind, Policy, PreferenceObjective,
    PrefoptError, RunContext, RunReport, plugin, registry,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use std::time::Instant;
use tracing::{debug, info, info_span};

/// Offline preference optimization (`[algorithm] type = "offline"`): minimizes
/// `[algorithm.objective]` over the task's preference pairs with Adam, the policy starting at
/// the reference (Rafailov et al. 2023, arXiv:2305.18290, §4; TRL's `DPOTrainer`).
///
/// Logs the objective's metrics every `train.log_every` steps and, on tasks whose outputs can be
/// enumerated, `kl/optimal`, `kl/reference`, `reward/true` every `train.eval_every` steps.
/// Writes a checkpoint every `train.checkpoint_every` steps and when asked to stop
/// (`RunContext::control`), and resumes from one ([`crate::checkpoint`]).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offline {
    /// The preference objective.
    pub objective: Box<dyn PreferenceObjective>,
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
        Self { objective }
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

#[plugin(
    name = "offline",
    summary = "Offline preference training of the policy with any registered objective (Adam)",
    paper = "arXiv:2305.18290"
)]
impl Algorithm for Offline {
    fn run(&self, ctx: &mut RunContext<'_>) -> Result<RunReport, PrefoptError> {
        let span = info_span!("offline", steps = ctx.train.steps);
        let _guard = span.enter();
        let device = ctx.device.clone().autodiff();
        let mut policy = ctx.policy.build(ctx.task, &device)?;
        // The reference is the initial policy, frozen before any checkpoint is loaded.
        let reference = if self.objective.needs_reference() {
            policy.freeze()
        } else {
            Box::new(NoReference)
        };
        let mut optimizer = adam(ctx.train);
        let mut first_step = 0;
        let mut earlier_seconds = 0.0;
        if let Some(dir) = &ctx.control.resume_from {
            let (restored, state) = restore(dir, &mut *policy, optimizer)?;
            if state.seed != ctx.seed {
                return Err(PrefoptError::Incompatible(format!(
                    "{}: the checkpoint was trained with seed {}, this run has seed {}",
                    dir.display(),
                    state.seed,
                    ctx.seed
                )));
            }
            optimizer = restored;
            first_step = state.step;
            earlier_seconds = state.wall_seconds;
            info!(step = first_step, checkpoint = %dir.display(), "resuming");
        }
        let known = KnownAnswer::new(ctx.task, self.objective.beta());
        info!(
            params = policy.num_params(),
            pairs = ctx.task.num_pairs(),
            "training"
        );
        let started = Instant::now();
        let wall = || earlier_seconds + started.elapsed().as_secs_f64();
        let train = ctx.train;
        let seed = ctx.seed;
        let step_metrics =
            |step: usize, output: &ObjectiveOutput| -> Result<MetricValues, PrefoptError> {
                let loss = f64::from(output.loss.clone().into_scalar::<f32>());
                if !loss.is_finite() {
                    return Err(PrefoptError::Numerical(format!(
                        "loss is {loss} at step {step}"
                    )));
                }
                let mut values = vec![("loss".to_string(), loss)];
                values.extend(output.metrics.values());
                Ok(values)
            };
        let checkpoint = |step: usize, policy: &dyn Policy, optimizer: &ModuleOptimizer| {
            let state = CheckpointState {
                step,
                seed,
                wall_seconds: wall(),
                resumable: true,
            };
            ctx.out_dir
                .as_deref()
                .map(|dir| write_checkpoint(dir, policy, optimizer, state))
                .transpose()
        };
        let mut finished = train.steps;
        for done in first_step..train.steps {
            if ctx.control.stop.is_requested() {
                let written = checkpoint(done, &*policy, &optimizer)?;
                info!(step = done, checkpoint = ?written, "stopping on request");
                ctx.control.stop.stopped_after(done);
                finished = done;
                break;
            }
            let batch =
                ctx.task
                    .training_batch(&mut batch_rng(seed, done), train.batch_size, &device);
            let output = objective_output(&*self.objective, &*policy, &*reference, &batch)?;
            let evaluate = done % train.eval_every == 0;
            if done % train.log_every == 0 || evaluate {
                let mut values = step_metrics(done, &output)?;
                if let Some(known) = known.as_ref().filter(|_| evaluate) {
                    values.extend(known.evaluate(&*policy));
                }
                values.push(("wall_seconds".into(), wall()));
                debug!(step = done, ?values, "step");
                ctx.sink.log(done, &values)?;
            }
            let grads = output.loss.backward();
            policy.apply_gradients(&mut optimizer, train.lr, grads);
            let step = done + 1;
            if train
                .checkpoint_every
                .is_some_and(|every| step % every == 0)
            {
                checkpoint(step, &*policy, &optimizer)?;
            }
            ctx.sink.progress(step, train.steps);
        }
        // The state reached: loss and metrics at the trained parameters.
        let batch =
            ctx.task
                .training_batch(&mut batch_rng(seed, finished), train.batch_size, &device);
        let output = objective_output(&*self.objective, &*policy, &*reference, &batch)?;
        let mut metrics = step_metrics(finished, &output)?;
        if let Some(known) = &known {
            metrics.extend(known.evaluate(&*policy));
        }
        ctx.sink.log(finished, &metrics)?;
        info!(seconds = wall(), steps = finished, "trained");
        Ok(RunReport {
            metrics,
            artifacts: Vec::new(),
            policy: Some(policy),
            steps: finished,
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.objective
            .validate()
            .map_err(|e| ConfigError::new(format!("objective.{}", e.field), e.message))
    }
}
