//! The built `token_reward` task: prompts, the rewarded set, and labelled pairs in two splits.

use super::config::TokenRewardConfig;
use super::pairs::{TokenPair, draw_pairs};
use super::reward::TokenSetReward;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{
    PreferenceBatch, PrefoptError, RewardModel, Split, Task, TaskBatch, examples_at, held_out_count,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// The padding id of the task's batches (masked out everywhere).
const PAD: u32 = 0;

/// Mixed into the seed of the pairs' draws, so that changing the number of pairs leaves the
/// prompts and the rewarded set as they are.
const PAIR_STREAM: u64 = 0x5041_4952_5354_524d;

/// A built `token_reward` task ([`TokenRewardConfig`]).
#[derive(Debug, Clone)]
pub struct TokenRewardTask {
    prompts: Vec<Vec<u32>>,
    reward: TokenSetReward,
    train: Vec<TokenPair>,
    eval: Vec<TokenPair>,
}

impl TokenRewardTask {
    /// Draws the rewarded set (unless given), the prompts and the pairs from `seed`.
    ///
    /// # Errors
    /// When the rewarded set leaves no id unrewarded among those that can be drawn (the ids in
    /// `[first_token, vocab_size)` that are not stop tokens), or contains a stop token.
    pub fn new(config: &TokenRewardConfig, seed: u64) -> Result<Self, PrefoptError> {
        let mut rng = StdRng::seed_from_u64(seed);
        let drawable: Vec<u32> = (config.first_token..config.vocab_size as u32)
            .filter(|id| !config.stop_tokens.contains(id))
            .collect();
        let rewarded: Vec<u32> = if config.rewarded_tokens.is_empty() {
            let mut shuffled = drawable.clone();
            shuffled.shuffle(&mut rng);
            shuffled.truncate(config.rewarded);
            shuffled
        } else {
            config.rewarded_tokens.clone()
        };
        let reward = TokenSetReward::new(&rewarded, &config.stop_tokens);
        let unrewarded: Vec<u32> = drawable
            .iter()
            .copied()
            .filter(|&id| !reward.is_rewarded(id))
            .collect();
        if unrewarded.is_empty() || reward.rewarded().is_empty() {
            return Err(PrefoptError::Data(format!(
                "task.rewarded: {} of the {} ids that can be drawn are rewarded; some must be \
                 and some must not (ids in [first_token, vocab_size) = [{}, {}) without the \
                 stop tokens {:?})",
                reward.rewarded().len(),
                drawable.len(),
                config.first_token,
                config.vocab_size,
                config.stop_tokens
            )));
        }
        if let Some(id) = reward
            .rewarded()
            .iter()
            .find(|id| config.stop_tokens.contains(id))
        {
            return Err(PrefoptError::Data(format!(
                "task.rewarded_tokens: id {id} is also a stop token, which the reward does not count"
            )));
        }
        let prompts: Vec<Vec<u32>> = (0..config.prompts)
            .map(|_| {
                (0..config.prompt_length)
                    .map(|_| drawable[rng.random_range(0..drawable.len())])
                    .collect()
            })
            .collect();
        let mut pair_rng = StdRng::seed_from_u64(seed ^ PAIR_STREAM);
        let mut pairs = draw_pairs(
            &prompts,
            &reward,
            &unrewarded,
            config.pairs,
            config.completion_length,
            config.stop_tokens.first().copied(),
            &mut pair_rng,
        );
        let held = held_out_count(pairs.len(), config.eval_fraction);
        let eval = pairs.split_off(pairs.len() - held);
        Ok(Self {
            prompts,
            reward,
            train: pairs,
            eval,
        })
    }

    /// The true reward.
    pub fn reward(&self) -> &TokenSetReward {
        &self.reward
    }

    /// The pairs of `split`.
    pub fn pairs(&self, split: Split) -> &[TokenPair] {
        match split {
            Split::Train => &self.train,
            Split::Eval => &self.eval,
        }
    }
}

/// `[chosen; rejected]` of `pairs` as a preference batch (right-padded, unweighted).
fn collate(pairs: &[&TokenPair], device: &Device) -> Result<PreferenceBatch, PrefoptError> {
    let side = |pick: fn(&TokenPair) -> &Vec<u32>| -> Vec<Vec<u32>> {
        pairs.iter().map(|pair| pick(pair).clone()).collect()
    };
    PreferenceBatch::from_ids(
        &side(|pair| &pair.prompt),
        &side(|pair| &pair.chosen),
        &side(|pair| &pair.rejected),
        PAD,
        device,
    )
}

impl Task for TokenRewardTask {
    /// `batch_size` training pairs drawn uniformly with replacement, or every one when
    /// `batch_size` covers them.
    fn training_batch(
        &self,
        rng: &mut StdRng,
        batch_size: usize,
        device: &Device,
    ) -> PreferenceBatch {
        let drawn: Vec<&TokenPair> = if batch_size >= self.train.len() {
            self.train.iter().collect()
        } else {
            (0..batch_size)
                .map(|_| &self.train[rng.random_range(0..self.train.len())])
                .collect()
        };
        collate(&drawn, device).expect("the task has at least one pair with non-empty prompts")
    }

    fn true_reward(&self) -> Option<&dyn RewardModel> {
        Some(&self.reward)
    }

    fn prompts(&self) -> Option<&[Vec<u32>]> {
        Some(&self.prompts)
    }

    fn num_pairs(&self) -> Option<usize> {
        Some(self.train.len())
    }

    fn examples(&self, split: Split) -> Option<usize> {
        Some(self.pairs(split).len())
    }

    fn batch_at(
        &self,
        split: Split,
        indices: &[usize],
        device: &Device,
    ) -> Result<TaskBatch, PrefoptError> {
        let picked = examples_at(self.pairs(split), split, indices, "pair")?;
        Ok(TaskBatch::Pairs(collate(&picked, device)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prefopt_core::TaskConfig;

    #[test]
    fn is_seeded_and_splits_its_pairs() {
        let config = TokenRewardConfig {
            pairs: 20,
            eval_fraction: 0.25,
            ..TokenRewardConfig::default()
        };
        let first = TokenRewardTask::new(&config, 3).unwrap();
        let again = TokenRewardTask::new(&config, 3).unwrap();
        assert_eq!(first.prompts, again.prompts);
        assert_eq!(first.reward, again.reward);
        assert_eq!(first.train, again.train);
        assert_eq!((first.train.len(), first.eval.len()), (15, 5));
        assert_eq!(first.reward.rewarded().len(), 8);
        assert_eq!(first.prompts.len(), 16);
        for prompt in &first.prompts {
            assert_eq!(prompt.len(), 4);
            assert!(prompt.iter().all(|&id| (3..64).contains(&id)));
        }
        let other = TokenRewardTask::new(&config, 4).unwrap();
        assert_ne!(first.reward, other.reward);
        // More pairs leave the prompts and the set as they were.
        let more = TokenRewardTask::new(
            &TokenRewardConfig {
                pairs: 40,
                ..config.clone()
            },
            3,
        )
        .unwrap();
        assert_eq!(
            (&more.prompts, &more.reward),
            (&first.prompts, &first.reward)
        );
    }

    #[test]
    fn batches_hold_the_pairs_by_position() {
        let task = TokenRewardConfig {
            rewarded_tokens: vec![10, 11],
            pairs: 6,
            eval_fraction: 0.0,
            ..TokenRewardConfig::default()
        }
        .build(1)
        .unwrap();
        assert_eq!(task.examples(Split::Train), Some(6));
        assert_eq!(task.examples(Split::Eval), Some(0));
        let device = Device::default();
        let TaskBatch::Pairs(batch) = task.batch_at(Split::Train, &[2, 0], &device).unwrap() else {
            panic!("pairs")
        };
        let reward = task.true_reward().unwrap();
        let chosen: Vec<f32> = reward
            .score(&batch.chosen)
            .into_data()
            .try_into_vec()
            .unwrap();
        let rejected: Vec<f32> = reward
            .score(&batch.rejected)
            .into_data()
            .try_into_vec()
            .unwrap();
        assert!(chosen.iter().zip(&rejected).all(|(c, r)| c > r));
        let error = task
            .batch_at(Split::Train, &[6], &device)
            .unwrap_err()
            .to_string();
        assert!(error.contains("train pair 6"), "{error}");
    }

    #[test]
    fn refuses_a_set_that_covers_every_id() {
        let config = TokenRewardConfig {
            vocab_size: 6,
            rewarded_tokens: vec![3, 4, 5],
            ..TokenRewardConfig::default()
        };
        let error = config.validate().unwrap_err();
        assert_eq!(error.field, "rewarded_tokens");
        let config = TokenRewardConfig {
            stop_tokens: vec![2, 4],
            rewarded_tokens: vec![4],
            ..TokenRewardConfig::default()
        };
        assert_eq!(config.validate().unwrap_err().field, "stop_tokens");
    }
}
