//! [`CausalLmRewardModel`]: a scalar head on a causal-LM trunk, read at the last real token.

use crate::causal_lm::CausalLm;
use crate::packing::Packed;
use prefopt_core::SequenceBatch;
use prefopt_core::burn;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::nn::{Linear, LinearConfig};
use prefopt_core::burn::tensor::{Device, Int, Tensor, TensorData};

/// `r(x, y)`: a causal-LM trunk over the prompt followed by the completion, and a linear head on
/// the final hidden state of the last real token, the reward model of TRL's `RewardTrainer`
/// (`AutoModelForSequenceClassification` with one label, scored at the last non-padding token)
/// and of OpenRLHF (Ouyang et al. 2022, arXiv:2203.02155, §3.5).
///
/// Ids outside the trunk's vocabulary are read as id 0; a sequence longer than the trunk's
/// positions keeps its last tokens.
#[derive(Module, Debug)]
pub struct CausalLmRewardModel {
    /// The causal-LM trunk.
    pub trunk: CausalLm,
    /// `[hidden, 1]` with a bias.
    pub head: Linear,
}

impl CausalLmRewardModel {
    /// A reward model on `trunk` with a fresh head (burn's default initialization, from the
    /// device's generator) on `device`.
    pub fn new(trunk: CausalLm, device: &Device) -> Self {
        let hidden = trunk.embedding.weight.dims()[1];
        Self {
            trunk,
            head: LinearConfig::new(hidden, 1).init(device),
        }
    }

    /// The reward of each (prompt, completion) row of `batch`.
    ///
    /// # Shapes
    /// `batch` of `rows` sequences; returns `[rows]` on the batch's device.
    pub fn score(&self, batch: &SequenceBatch) -> Tensor<1> {
        let device = self.head.weight.device();
        let vocab = self.trunk.vocab_size() as i64;
        let packed = Packed::new(batch, false, Some(self.trunk.max_positions()), 0, |id| {
            if (0..vocab).contains(&id) { id } else { 0 }
        });
        let hidden = self
            .trunk
            .forward_hidden(packed.tensor(&device), None, None);
        let width = hidden.dims()[2];
        let last: Vec<i64> = packed
            .lengths
            .iter()
            .enumerate()
            .map(|(row, &length)| (row * packed.width + length.max(1) - 1) as i64)
            .collect();
        let index = Tensor::<1, Int>::from_data(TensorData::new(last, [packed.rows]), &device);
        let picked = hidden
            .reshape([packed.rows * packed.width, width])
            .select(0, index);
        self.head
            .forward(picked)
            .squeeze_dim::<1>(1)
            .to_device(&batch.completions.device())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trunk::TrunkConfig;

    #[test]
    fn reads_the_last_real_token_only() {
        let device = Device::default();
        let (trunk, _) = TrunkConfig::default().build(&device).unwrap();
        let model = CausalLmRewardModel::new(trunk, &device);
        let score = |prompts: &[Vec<u32>], completions: &[Vec<u32>]| -> Vec<f32> {
            let batch = SequenceBatch::from_ids(prompts, completions, 0, &device).unwrap();
            model.score(&batch).into_data().try_into_vec().unwrap()
        };
        let alone = score(&[vec![5, 6]], &[vec![7, 8]]);
        // The same row beside a longer one (so right-padded): the same score.
        let together = score(
            &[vec![5, 6], vec![9, 9, 9]],
            &[vec![7, 8], vec![3, 4, 5, 6]],
        );
        assert!(
            (alone[0] - together[0]).abs() < 1e-5,
            "{alone:?} {together:?}"
        );
        // Prompt and completion are one sequence: where the boundary falls does not matter.
        let moved = score(&[vec![5]], &[vec![6, 7, 8]]);
        assert!((alone[0] - moved[0]).abs() < 1e-5);
        let other = score(&[vec![5, 6]], &[vec![7, 9]]);
        assert_ne!(alone[0], other[0]);
    }
}
