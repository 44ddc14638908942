//! A finite preference data set over ids for the trainer's tests: every ordered pair of actions
//! of a small bandit whose rewards are known, read by position (`Task::examples`,
//! `Task::batch_at`), split into training and held-out examples, as pairs or as unpaired
//! completions. It keeps the positions it was asked for.

use prefopt::burn::tensor::{Device, Tensor, TensorData};
use prefopt::{
    PreferenceBatch, PrefoptError, SequenceBatch, Split, TabularTruth, Task, TaskBatch,
    UnpairedBatch,
};
use rand::Rng;
use rand::rngs::StdRng;
use std::sync::Mutex;

/// One example: a context and a chosen and a rejected action, or an action with its label.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Example {
    Pair {
        context: i64,
        chosen: i64,
        rejected: i64,
    },
    Completion {
        context: i64,
        action: i64,
        desirable: bool,
    },
}

/// The task.
#[derive(Debug)]
pub struct FiniteTask {
    truth: TabularTruth,
    train: Vec<Example>,
    eval: Vec<Example>,
    /// Every `batch_at` call: the split and the positions.
    pub requests: Mutex<Vec<(Split, Vec<usize>)>>,
}

impl FiniteTask {
    /// `contexts` x `actions` with rewards `3 (x + y) mod actions` (distinct within a context
    /// when `actions` is not a multiple of 3), a uniform reference, and every pair of actions
    /// with the better one chosen, the best-against-worst pair of each context held out. With
    /// `unpaired`, the examples are single actions, desirable when their reward is at least
    /// half the top one, every fifth held out.
    pub fn new(contexts: usize, actions: usize, unpaired: bool) -> Self {
        let reward = |x: usize, y: usize| ((3 * x + 3 * y) % actions) as f64;
        let mut rewards = Vec::new();
        for x in 0..contexts {
            for y in 0..actions {
                rewards.push(reward(x, y));
            }
        }
        let top = (actions - 1) as f64;
        let (mut train, mut eval) = (Vec::new(), Vec::new());
        for x in 0..contexts {
            for a in 0..actions {
                if unpaired {
                    let example = Example::Completion {
                        context: x as i64,
                        action: a as i64,
                        desirable: 2.0 * reward(x, a) >= top,
                    };
                    // Every fifth completion held out.
                    match (x * actions + a) % 5 {
                        4 => eval.push(example),
                        _ => train.push(example),
                    }
                    continue;
                }
                for b in 0..actions {
                    if reward(x, a) > reward(x, b) {
                        let example = Example::Pair {
                            context: x as i64,
                            chosen: a as i64,
                            rejected: b as i64,
                        };
                        // The best action against the worst held out: the other pairs rank
                        // them (a pair of neighbours would be a tie in the training data).
                        match (reward(x, a), reward(x, b)) {
                            (r, 0.0) if r == top => eval.push(example),
                            _ => train.push(example),
                        }
                    }
                }
            }
        }
        Self {
            truth: TabularTruth {
                contexts,
                outputs: actions,
                reference_logps: vec![-(actions as f64).ln(); contexts * actions],
                rewards,
            },
            train,
            eval,
            requests: Mutex::new(Vec::new()),
        }
    }

    fn split(&self, split: Split) -> &[Example] {
        match split {
            Split::Train => &self.train,
            Split::Eval => &self.eval,
        }
    }

    /// The training positions asked for, in order.
    pub fn train_requests(&self) -> Vec<Vec<usize>> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|(split, _)| *split == Split::Train)
            .map(|(_, indices)| indices.clone())
            .collect()
    }
}

fn pairs(examples: &[Example], device: &Device) -> PreferenceBatch {
    let (mut contexts, mut chosen, mut rejected) = (Vec::new(), Vec::new(), Vec::new());
    for example in examples {
        if let Example::Pair {
            context,
            chosen: c,
            rejected: r,
        } = *example
        {
            contexts.push(context);
            chosen.push(c);
            rejected.push(r);
        }
    }
    PreferenceBatch {
        chosen: SequenceBatch::single_tokens(&contexts, &chosen, device),
        rejected: SequenceBatch::single_tokens(&contexts, &rejected, device),
        weights: None,
    }
}

impl Task for FiniteTask {
    /// Pairs drawn uniformly from the training split (the trainer reads finite data by
    /// position; this serves callers that sample).
    fn training_batch(
        &self,
        rng: &mut StdRng,
        batch_size: usize,
        device: &Device,
    ) -> PreferenceBatch {
        let picked: Vec<Example> = (0..batch_size)
            .map(|_| self.train[rng.random_range(0..self.train.len())])
            .collect();
        pairs(&picked, device)
    }

    fn truth(&self) -> Option<&TabularTruth> {
        Some(&self.truth)
    }

    fn num_pairs(&self) -> Option<usize> {
        Some(self.train.len())
    }

    fn examples(&self, split: Split) -> Option<usize> {
        Some(self.split(split).len())
    }

    fn batch_at(
        &self,
        split: Split,
        indices: &[usize],
        device: &Device,
    ) -> Result<TaskBatch, PrefoptError> {
        let examples = self.split(split);
        let picked = indices
            .iter()
            .map(|&index| {
                examples.get(index).copied().ok_or_else(|| {
                    PrefoptError::Data(format!(
                        "{} example {index} of {}",
                        split.as_str(),
                        examples.len()
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.requests
            .lock()
            .unwrap()
            .push((split, indices.to_vec()));
        if let Some(Example::Pair { .. }) = picked.first() {
            return Ok(TaskBatch::Pairs(pairs(&picked, device)));
        }
        let (mut contexts, mut actions, mut labels) = (Vec::new(), Vec::new(), Vec::new());
        for example in &picked {
            if let Example::Completion {
                context,
                action,
                desirable,
            } = *example
            {
                contexts.push(context);
                actions.push(action);
                labels.push(if desirable { 1.0f32 } else { 0.0 });
            }
        }
        let count = labels.len();
        Ok(TaskBatch::Unpaired(UnpairedBatch {
            sequences: SequenceBatch::single_tokens(&contexts, &actions, device),
            desirable: Tensor::from_data(TensorData::new(labels, [count]), device),
            weights: None,
        }))
    }
}
