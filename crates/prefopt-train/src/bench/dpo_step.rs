//! A preference-optimization step timed phase by phase, through the offline trainer's own code:
//! [`task_batch_output`] (the policy and the reference over `[chosen; rejected]`, the
//! objective), the backward pass, and [`TrainingOptimizer::step`].

use super::stats::Summary;
use crate::optimizer::{TrainingOptimizer, probe_batch};
use crate::pairs::task_batch_output;
use crate::step_batches::first_sequences;
use prefopt_core::{Policy, PreferenceObjective, PrefoptError, ReferenceModel, TaskBatch};
use serde::Serialize;
use std::time::Instant;

/// The wall time of one training step, in seconds, by phase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepPhases {
    /// Log-probs of the policy and of the reference over the pair batch, and the objective (up
    /// to the loss read back from the device).
    pub forward: f64,
    /// The backward pass from the loss.
    pub backward: f64,
    /// The optimizer update (AdamW over every trainable parameter).
    pub optimizer: f64,
    /// The whole step.
    pub total: f64,
    /// The loss the step minimized.
    pub loss: f64,
}

/// What a timed step trains on: the objective, the reference it compares with, the batch, and
/// the learning rate.
#[derive(Clone, Copy)]
pub struct StepInputs<'a> {
    /// The preference objective (e.g. `dpo`).
    pub objective: &'a dyn PreferenceObjective,
    /// The frozen reference, or its cached log-probs.
    pub reference: &'a dyn ReferenceModel,
    /// The micro-batch of every step.
    pub batch: &'a TaskBatch,
    /// The learning rate of the update.
    pub lr: f64,
}

/// Runs `warmup + steps` optimizer steps of `inputs.objective` on the same batch, as the
/// offline trainer runs a step of one micro-batch (`Offline::step`: [`task_batch_output`], the
/// backward pass, [`TrainingOptimizer::step`], no metrics read), and returns the phases of the
/// `steps` after the warm-up. Each step reads its loss back, so the forward phase ends when the
/// device has computed it.
///
/// # Errors
/// When the objective refuses the batch, the optimizer finds a non-finite gradient norm, or the
/// loss is not finite.
pub fn time_dpo_steps(
    policy: &mut dyn Policy,
    optimizer: &mut TrainingOptimizer,
    inputs: StepInputs<'_>,
    warmup: usize,
    steps: usize,
) -> Result<Vec<StepPhases>, PrefoptError> {
    let StepInputs {
        objective,
        reference,
        batch,
        lr,
    } = inputs;
    let probe = probe_batch(first_sequences(batch));
    let mut timed = Vec::with_capacity(steps);
    for step in 0..warmup + steps {
        let started = Instant::now();
        let output = task_batch_output(objective, &*policy, reference, batch)?;
        let loss = f64::from(output.loss.clone().into_scalar::<f32>());
        if !loss.is_finite() {
            return Err(PrefoptError::Numerical(format!(
                "the benchmark's loss is {loss} at step {step}"
            )));
        }
        let forward = started.elapsed().as_secs_f64();
        let grads = output.loss.backward();
        let backward = started.elapsed().as_secs_f64() - forward;
        optimizer.step(policy, lr, grads, &probe, false)?;
        let total = started.elapsed().as_secs_f64();
        if step >= warmup {
            timed.push(StepPhases {
                forward,
                backward,
                optimizer: total - forward - backward,
                total,
                loss,
            });
        }
    }
    Ok(timed)
}

/// The seconds the reference alone takes for its log-probs of `batch` (its share of a step's
/// forward phase), scored as the step scores them: a batch of pairs through
/// [`ReferenceModel::pair_sequence_logps`], unpaired completions through
/// [`ReferenceModel::try_token_logps`]; over `repeats` runs after one warm-up run.
///
/// # Errors
/// When the reference cannot score the batch (a cache that lacks a row).
pub fn time_reference(
    reference: &dyn ReferenceModel,
    batch: &TaskBatch,
    repeats: usize,
) -> Result<Vec<f64>, PrefoptError> {
    let mut seconds = Vec::with_capacity(repeats);
    for repeat in 0..=repeats {
        let started = Instant::now();
        match batch {
            TaskBatch::Pairs(pairs) => {
                let (chosen, rejected) = reference.pair_sequence_logps(pairs);
                chosen.into_data();
                rejected.into_data();
            }
            TaskBatch::Unpaired(unpaired) => {
                reference.try_token_logps(&unpaired.sequences)?.into_data();
            }
        }
        if repeat > 0 {
            seconds.push(started.elapsed().as_secs_f64());
        }
    }
    Ok(seconds)
}

/// The summary of each phase over `steps`: forward, backward, optimizer, total (in that order,
/// with those names); `None` for an empty list.
pub fn phase_summaries(steps: &[StepPhases]) -> Option<Vec<(&'static str, Summary)>> {
    let phase = |pick: fn(&StepPhases) -> f64| -> Option<Summary> {
        Summary::of(&steps.iter().map(pick).collect::<Vec<_>>())
    };
    Some(vec![
        ("forward", phase(|s| s.forward)?),
        ("backward", phase(|s| s.backward)?),
        ("optimizer", phase(|s| s.optimizer)?),
        ("total", phase(|s| s.total)?),
    ])
}
