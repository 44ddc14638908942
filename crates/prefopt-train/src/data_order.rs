//! The order in which a finite training set is visited: epochs, each a seeded shuffle of the
//! examples, cut into micro-batches and optimizer steps.
//!
//! The position is a pure function of the optimizer step, so a run resumed at step `t` reads
//! exactly the examples an uninterrupted run reads, with no iterator state to save.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

/// The generator of epoch `epoch`'s shuffle: ChaCha12 (rand's `StdRng`) keyed by the run's seed
/// and the epoch, in a key space of its own (see [`crate::offline::batch_rng`] for the batches
/// of tasks that sample).
pub fn epoch_rng(seed: u64, epoch: usize) -> StdRng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(epoch as u64).to_le_bytes());
    key[16..].copy_from_slice(b"prefopt/epochs\0\0");
    StdRng::from_seed(key)
}

/// Epochs over `examples` examples, `batch_size` per micro-batch (the last of an epoch may be
/// smaller), `accumulation` micro-batches per optimizer step (the last step of an epoch may have
/// fewer): transformers' `Trainer` with `dataloader_drop_last = False`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataOrder {
    /// Examples in the training split.
    pub examples: usize,
    /// Examples per micro-batch.
    pub batch_size: usize,
    /// Micro-batches per optimizer step.
    pub accumulation: usize,
    /// The run's seed.
    pub seed: u64,
}

/// Where an optimizer step reads in the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataPosition {
    /// The epoch, from 0.
    pub epoch: usize,
    /// The optimizer step within the epoch, from 0.
    pub step_in_epoch: usize,
}

impl DataOrder {
    /// Micro-batches per epoch.
    pub fn micro_batches_per_epoch(&self) -> usize {
        self.examples.div_ceil(self.batch_size.max(1))
    }

    /// Optimizer steps per epoch (at least 1).
    pub fn steps_per_epoch(&self) -> usize {
        self.micro_batches_per_epoch()
            .div_ceil(self.accumulation.max(1))
            .max(1)
    }

    /// The position of optimizer step `step`.
    pub fn position(&self, step: usize) -> DataPosition {
        let per_epoch = self.steps_per_epoch();
        DataPosition {
            epoch: step / per_epoch,
            step_in_epoch: step % per_epoch,
        }
    }

    /// The epochs completed at optimizer step `step`, fractionally (transformers' logged
    /// `epoch`).
    pub fn epoch_progress(&self, step: usize) -> f64 {
        step as f64 / self.steps_per_epoch() as f64
    }

    /// Epoch `epoch`'s order of the example indices: a Fisher-Yates shuffle by
    /// [`epoch_rng`].
    pub fn permutation(&self, epoch: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.examples).collect();
        order.shuffle(&mut epoch_rng(self.seed, epoch));
        order
    }

    /// The example indices of each micro-batch of optimizer step `step`, given the step's epoch
    /// permutation ([`permutation`](Self::permutation) of `position(step).epoch`).
    pub fn micro_batches(&self, step: usize, permutation: &[usize]) -> Vec<Vec<usize>> {
        let position = self.position(step);
        let batch_size = self.batch_size.max(1);
        let first = position.step_in_epoch * self.accumulation.max(1);
        let last = (first + self.accumulation.max(1)).min(self.micro_batches_per_epoch());
        (first..last)
            .map(|micro| {
                let start = micro * batch_size;
                let end = (start + batch_size).min(self.examples);
                permutation[start..end].to_vec()
            })
            .collect()
    }
}

/// [`DataOrder`] with the permutation of the epoch last asked for kept, so consecutive steps
/// shuffle once per epoch.
#[derive(Debug, Clone)]
pub struct EpochCursor {
    order: DataOrder,
    cached: Option<(usize, Vec<usize>)>,
}

impl EpochCursor {
    /// A cursor over `order`.
    pub fn new(order: DataOrder) -> Self {
        Self {
            order,
            cached: None,
        }
    }

    /// The order it follows.
    pub fn order(&self) -> &DataOrder {
        &self.order
    }

    /// The micro-batches of optimizer step `step` ([`DataOrder::micro_batches`]).
    pub fn micro_batches(&mut self, step: usize) -> Vec<Vec<usize>> {
        let epoch = self.order.position(step).epoch;
        if self
            .cached
            .as_ref()
            .is_none_or(|(cached, _)| *cached != epoch)
        {
            self.cached = Some((epoch, self.order.permutation(epoch)));
        }
        let (_, permutation) = self.cached.as_ref().expect("just cached");
        self.order.micro_batches(step, permutation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(examples: usize, batch_size: usize, accumulation: usize) -> DataOrder {
        DataOrder {
            examples,
            batch_size,
            accumulation,
            seed: 5,
        }
    }

    #[test]
    fn an_epoch_visits_every_example_once() {
        let order = order(10, 3, 2);
        // Micro-batches of 3, 3, 3, 1; steps of 2 and 2 micro-batches.
        assert_eq!(order.steps_per_epoch(), 2);
        let permutation = order.permutation(0);
        let mut seen: Vec<usize> = (0..2)
            .flat_map(|step| order.micro_batches(step, &permutation))
            .inspect(|batch| assert!(batch.len() <= 3))
            .flatten()
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        let last = order.micro_batches(1, &permutation);
        assert_eq!(last.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 1]);
    }

    #[test]
    fn epochs_shuffle_differently_and_reproducibly() {
        let order = order(50, 8, 1);
        assert_eq!(order.permutation(1), order.permutation(1));
        assert_ne!(order.permutation(0), order.permutation(1));
        let other_seed = DataOrder { seed: 6, ..order };
        assert_ne!(order.permutation(0), other_seed.permutation(0));
        assert_eq!(
            order.position(7).epoch,
            1,
            "7 steps per epoch: step 7 opens epoch 1"
        );
        assert_eq!(order.position(7).step_in_epoch, 0);
    }

    #[test]
    fn the_cursor_reads_what_the_order_says() {
        let order = order(7, 2, 1);
        let mut cursor = EpochCursor::new(order);
        for step in [0, 3, 4, 9, 2] {
            let epoch = order.position(step).epoch;
            assert_eq!(
                cursor.micro_batches(step),
                order.micro_batches(step, &order.permutation(epoch))
            );
        }
    }
}
