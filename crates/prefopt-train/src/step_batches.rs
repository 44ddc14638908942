//! The micro-batches of each optimizer step: read by position from a finite data set in epochs
//! ([`crate::data_order`]), or drawn from a task that samples (bandits) with a generator keyed by
//! the step.

use crate::data_order::{DataOrder, EpochCursor};
use crate::offline::batch_rng;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{PrefoptError, SequenceBatch, Split, Task, TaskBatch, TrainConfig};

/// Where a run's micro-batches come from.
#[derive(Debug)]
pub enum StepBatches<'a> {
    /// A finite training split, in seeded shuffled epochs.
    Finite {
        /// The task read by position.
        task: &'a dyn Task,
        /// The epoch order.
        cursor: EpochCursor,
    },
    /// A task that samples its batches (or gives its whole population each time).
    Sampled {
        /// The task.
        task: &'a dyn Task,
        /// Pairs per micro-batch.
        batch_size: usize,
        /// Micro-batches per step.
        accumulation: usize,
        /// The run's seed.
        seed: u64,
    },
}

impl<'a> StepBatches<'a> {
    /// The source of `task`'s batches under `train`: epochs when the task has a finite training
    /// split (`Task::examples(Split::Train)`), samples otherwise.
    pub fn new(task: &'a dyn Task, train: &TrainConfig, seed: u64) -> Self {
        let accumulation = train.gradient_accumulation_steps.max(1);
        match task.examples(Split::Train) {
            Some(examples) => Self::Finite {
                task,
                cursor: EpochCursor::new(DataOrder {
                    examples,
                    batch_size: train.batch_size(),
                    accumulation,
                    seed,
                }),
            },
            None => Self::Sampled {
                task,
                batch_size: train.batch_size(),
                accumulation,
                seed,
            },
        }
    }

    /// The epoch order, for a finite data set.
    pub fn order(&self) -> Option<&DataOrder> {
        match self {
            Self::Finite { cursor, .. } => Some(cursor.order()),
            Self::Sampled { .. } => None,
        }
    }

    /// The micro-batches of optimizer step `step`, on `device`. A sampling task's micro-batch
    /// `i` is drawn by `batch_rng(seed, step * accumulation + i)` (one micro-batch per step:
    /// `batch_rng(seed, step)`).
    pub fn micro_batches(
        &mut self,
        step: usize,
        device: &Device,
    ) -> Result<Vec<TaskBatch>, PrefoptError> {
        match self {
            Self::Finite { task, cursor } => cursor
                .micro_batches(step)
                .iter()
                .map(|indices| task.batch_at(Split::Train, indices, device))
                .collect(),
            Self::Sampled {
                task,
                batch_size,
                accumulation,
                seed,
            } => Ok((0..*accumulation)
                .map(|micro| {
                    let mut rng = batch_rng(*seed, step * *accumulation + micro);
                    TaskBatch::Pairs(task.training_batch(&mut rng, *batch_size, device))
                })
                .collect()),
        }
    }
}

/// The sequences of a batch that carry its first example's prompt (chosen completions, or the
/// completions of an unpaired batch).
pub fn first_sequences(batch: &TaskBatch) -> &SequenceBatch {
    match batch {
        TaskBatch::Pairs(pairs) => &pairs.chosen,
        TaskBatch::Unpaired(unpaired) => &unpaired.sequences,
    }
}
