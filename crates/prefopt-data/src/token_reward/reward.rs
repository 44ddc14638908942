//! The task's true reward: the fraction of a completion's tokens in the rewarded set.

use prefopt_core::burn::tensor::{Tensor, TensorData};
use prefopt_core::{RewardModel, SequenceBatch};

/// `r(x, y) = |{t : y_t in S}| / |{t : y_t not a stop token}|` (0 when every token is a stop
/// token): the fraction of a completion's tokens in the rewarded set `S`, stop tokens (EOS)
/// left out of both counts. The prompt does not matter.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenSetReward {
    rewarded: Vec<u32>,
    stop_tokens: Vec<u32>,
}

impl TokenSetReward {
    /// The reward of the set `rewarded`, with `stop_tokens` not counted.
    pub fn new(rewarded: &[u32], stop_tokens: &[u32]) -> Self {
        let mut rewarded = rewarded.to_vec();
        rewarded.sort_unstable();
        rewarded.dedup();
        Self {
            rewarded,
            stop_tokens: stop_tokens.to_vec(),
        }
    }

    /// The rewarded ids, sorted.
    pub fn rewarded(&self) -> &[u32] {
        &self.rewarded
    }

    /// The ids not counted.
    pub fn stop_tokens(&self) -> &[u32] {
        &self.stop_tokens
    }

    /// Whether `id` is rewarded.
    pub fn is_rewarded(&self, id: u32) -> bool {
        self.rewarded.binary_search(&id).is_ok()
    }

    /// The reward of one completion's ids (no padding).
    pub fn of(&self, completion: &[u32]) -> f64 {
        let counted = completion
            .iter()
            .filter(|id| !self.stop_tokens.contains(id));
        let (hits, total) = counted.fold((0usize, 0usize), |(hits, total), &id| {
            (hits + usize::from(self.is_rewarded(id)), total + 1)
        });
        if total == 0 {
            0.0
        } else {
            hits as f64 / total as f64
        }
    }
}

impl RewardModel for TokenSetReward {
    /// Computed on the host from the completion ids and mask.
    ///
    /// # Shapes
    /// `batch` of `rows` sequences; returns `[rows]` on the batch's device.
    fn score(&self, batch: &SequenceBatch) -> Tensor<1> {
        let [rows, width] = batch.completions.dims();
        let ids: Vec<i64> = batch
            .completions
            .clone()
            .into_data()
            .convert::<i64>()
            .try_to_vec::<i64>()
            .expect("integer token ids");
        let mask: Vec<f32> = batch
            .completion_mask
            .clone()
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .expect("f32 mask");
        let scores: Vec<f32> = (0..rows)
            .map(|row| {
                let completion: Vec<u32> = (0..width)
                    .filter(|&t| mask[row * width + t] > 0.0)
                    .map(|t| ids[row * width + t] as u32)
                    .collect();
                self.of(&completion) as f32
            })
            .collect();
        Tensor::from_data(TensorData::new(scores, [rows]), &batch.prompts.device())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prefopt_core::burn::tensor::Device;

    #[test]
    fn fractions_by_hand() {
        let reward = TokenSetReward::new(&[5, 7], &[2]);
        assert_eq!(reward.of(&[5, 6, 7, 8]), 0.5);
        // The stop token counts in neither the hits nor the length.
        assert_eq!(reward.of(&[5, 6, 2]), 0.5);
        assert_eq!(reward.of(&[7, 7, 7]), 1.0);
        assert_eq!(reward.of(&[2]), 0.0);
        assert_eq!(reward.of(&[]), 0.0);
    }

    #[test]
    fn scores_a_padded_batch() {
        let reward = TokenSetReward::new(&[5, 7], &[2]);
        let device = Device::default();
        let batch = SequenceBatch::from_ids(
            &[vec![9, 9], vec![3]],
            &[vec![5, 6, 7, 2], vec![8]],
            // Padding with a rewarded id: the mask keeps it out.
            5,
            &device,
        )
        .unwrap();
        let scores: Vec<f32> = reward.score(&batch).into_data().try_into_vec().unwrap();
        assert!((scores[0] - 2.0 / 3.0).abs() < 1e-7, "{scores:?}");
        assert_eq!(scores[1], 0.0);
    }
}
