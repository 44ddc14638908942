//! The built bandit task.

use super::config::{BanditConfig, PairsMode, ReferenceKind};
use super::pairs::{Pair, population_pairs, sample_pairs};
use prefopt_core::burn::tensor::{Device, Tensor, TensorData};
use prefopt_core::math::log_softmax;
use prefopt_core::{PreferenceBatch, RewardModel, SequenceBatch, TabularTruth, Task};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};

/// A built bandit: the truth (reference and reward tables) and its preference pairs.
#[derive(Debug, Clone)]
pub struct Bandit {
    truth: TabularTruth,
    pairs: Vec<Pair>,
    population: bool,
    reward: TableReward,
}

impl Bandit {
    /// Draws the reward table, the reference and the pairs from `seed`.
    pub fn new(config: &BanditConfig, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let size = config.contexts * config.actions;
        let rewards_distribution =
            Normal::new(0.0, config.reward_scale).expect("reward_scale is validated finite, >= 0");
        let rewards: Vec<f64> = (0..size)
            .map(|_| rewards_distribution.sample(&mut rng))
            .collect();
        let logits: Vec<f64> = match config.reference {
            ReferenceKind::Uniform => vec![0.0; size],
            ReferenceKind::Random => {
                let standard = Normal::new(0.0, 1.0).expect("unit normal");
                (0..size).map(|_| standard.sample(&mut rng)).collect()
            }
        };
        let reference_logps = logits
            .chunks(config.actions)
            .flat_map(log_softmax)
            .collect();
        let truth = TabularTruth {
            contexts: config.contexts,
            outputs: config.actions,
            reference_logps,
            rewards,
        };
        let pairs = match config.pairs {
            PairsMode::Population => population_pairs(&truth, config.deterministic),
            PairsMode::Sampled(count) => {
                sample_pairs(&truth, count, config.deterministic, &mut rng)
            }
        };
        Self {
            reward: TableReward::new(&truth),
            truth,
            pairs,
            population: config.pairs == PairsMode::Population,
        }
    }

    /// The preference pairs (population or sample).
    pub fn pairs(&self) -> &[Pair] {
        &self.pairs
    }
}

fn batch_of(pairs: &[&Pair], weighted: bool, device: &Device) -> PreferenceBatch {
    let contexts: Vec<i64> = pairs.iter().map(|p| p.context as i64).collect();
    let chosen: Vec<i64> = pairs.iter().map(|p| p.chosen as i64).collect();
    let rejected: Vec<i64> = pairs.iter().map(|p| p.rejected as i64).collect();
    let weights = weighted.then(|| {
        let values: Vec<f32> = pairs.iter().map(|p| p.weight as f32).collect();
        Tensor::<1>::from_data(TensorData::new(values, [pairs.len()]), device)
    });
    PreferenceBatch {
        chosen: SequenceBatch::single_tokens(&contexts, &chosen, device),
        rejected: SequenceBatch::single_tokens(&contexts, &rejected, device),
        weights,
    }
}

impl Task for Bandit {
    /// Population mode: every weighted pair, every step. Sampled mode: `batch_size` pairs drawn
    /// uniformly with replacement, or every pair when `batch_size` covers the data (full batch).
    fn training_batch(
        &self,
        rng: &mut StdRng,
        batch_size: usize,
        device: &Device,
    ) -> PreferenceBatch {
        if self.population || batch_size >= self.pairs.len() {
            let all: Vec<&Pair> = self.pairs.iter().collect();
            return batch_of(&all, self.population, device);
        }
        let drawn: Vec<&Pair> = (0..batch_size)
            .map(|_| &self.pairs[rng.random_range(0..self.pairs.len())])
            .collect();
        batch_of(&drawn, false, device)
    }

    fn truth(&self) -> Option<&TabularTruth> {
        Some(&self.truth)
    }

    fn true_reward(&self) -> Option<&dyn RewardModel> {
        Some(&self.reward)
    }

    fn num_pairs(&self) -> Option<usize> {
        (!self.population).then_some(self.pairs.len())
    }
}

/// A reward model that looks r(x, y) up in a table: the bandit's ground truth. The first prompt
/// token is the context, the first completion token the action.
#[derive(Debug, Clone)]
pub struct TableReward {
    actions: usize,
    rewards: Vec<f32>,
}

impl TableReward {
    /// The reward table of `truth`.
    pub fn new(truth: &TabularTruth) -> Self {
        Self {
            actions: truth.outputs,
            rewards: truth.rewards.iter().map(|&r| r as f32).collect(),
        }
    }
}

impl RewardModel for TableReward {
    fn score(&self, batch: &SequenceBatch) -> Tensor<1> {
        let device = batch.prompts.device();
        let index = batch.table_index(self.actions);
        let table = Tensor::<1>::from_data(
            TensorData::new(self.rewards.clone(), [self.rewards.len()]),
            &device,
        );
        table.select(0, index)
    }
}
