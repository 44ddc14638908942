//! [`ValueModel`]: the critic of PPO on language models, a causal-LM trunk with a scalar head.

use crate::causal_lm::{CausalLm, CausalLmConfig};
use crate::checkpoint::{load_module, save_module};
use crate::optimizer_step::step_module;
use crate::packing::Packed;
use crate::trunk::TrunkConfig;
use prefopt_core::burn;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::nn::{Initializer, Linear, LinearConfig};
use prefopt_core::burn::optim::ModuleOptimizer;
use prefopt_core::burn::tensor::{Device, Gradients, Int, Tensor, TensorData};
use prefopt_core::{PrefoptError, SequenceBatch};
use std::path::Path;

/// `V(x, y_<t)`: the value of the state before each completion token, a linear head on the
/// final hidden states of a causal-LM trunk of its own (a separate value model, as TRL's
/// `PPOTrainer` trains beside the policy; Ouyang et al. 2022, arXiv:2203.02155, §3.5, initialize
/// it from the reward model, here from [`TrunkConfig`]).
///
/// The head starts at zero (weight and bias), so every value starts at 0, as the tabular critic
/// does.
#[derive(Module, Debug)]
pub struct ValueModel {
    /// The causal-LM trunk.
    pub trunk: CausalLm,
    /// `[hidden, 1]` with a bias.
    pub head: Linear,
}

impl ValueModel {
    /// A value model on the trunk of `config`, on `device` (an autodiff device to train it).
    pub fn new(
        config: &TrunkConfig,
        device: &Device,
    ) -> Result<(Self, CausalLmConfig), PrefoptError> {
        let (trunk, architecture) = config.build(device)?;
        let head = LinearConfig::new(architecture.hidden_size, 1)
            .with_initializer(Initializer::Zeros)
            .init(device);
        Ok((Self { trunk, head }, architecture))
    }

    /// The value of the state before each completion token: the head on the hidden state at the
    /// position that predicts the token (the last prompt token for the first), 0 on padding.
    ///
    /// # Panics
    /// When a row has no prompt token or is longer than the trunk's positions.
    ///
    /// # Shapes
    /// `batch` of `rows` sequences with `completion_len` positions; returns
    /// `[rows, completion_len]` on the batch's device.
    pub fn values(&self, batch: &SequenceBatch) -> Tensor<2> {
        let device = self.head.weight.device();
        let [rows, completion_len] = batch.completions.dims();
        let packed = Packed::new(batch, true, None, 0, |id| id);
        let hidden = self
            .trunk
            .forward_hidden(packed.tensor(&device), None, None);
        let width = hidden.dims()[2];
        let mut positions = Vec::with_capacity(rows * completion_len);
        for row in 0..rows {
            let prompt = packed.prompt_lengths[row];
            assert!(prompt >= 1, "sequence {row}: empty prompt");
            for t in 0..completion_len {
                let real = t < packed.completion_lengths[row];
                let position = row * packed.width + prompt - 1 + t;
                positions.push(if real { position as i64 } else { 0 });
            }
        }
        let index = Tensor::<1, Int>::from_data(
            TensorData::new(positions, [rows * completion_len]),
            &device,
        );
        let picked = hidden
            .reshape([rows * packed.width, width])
            .select(0, index);
        let values = self.head.forward(picked).reshape([rows, completion_len]);
        let mask = batch.completion_mask.clone().to_device(&device);
        (values * mask).to_device(&batch.completions.device())
    }

    /// One optimizer step with the value model's share of `grads` (taken out of them).
    pub fn apply_gradients(
        &mut self,
        optimizer: &mut ModuleOptimizer,
        lr: f64,
        grads: &mut Gradients,
    ) {
        step_module(self, optimizer, lr, grads);
    }

    /// Writes the parameters with their ids (a burnpack file).
    pub fn save(&self, path: &Path) -> Result<(), PrefoptError> {
        save_module(self, path)
    }

    /// Restores what [`save`](Self::save) wrote; a file of another architecture is refused.
    pub fn load(&mut self, path: &Path) -> Result<(), PrefoptError> {
        *self = load_module(self, path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_start_at_zero_and_follow_the_head() {
        let device = Device::default();
        let (mut model, architecture) = ValueModel::new(&TrunkConfig::default(), &device).unwrap();
        let batch = SequenceBatch::from_ids(
            &[vec![5, 6], vec![7]],
            &[vec![8, 9, 10], vec![11]],
            0,
            &device,
        )
        .unwrap();
        let values: Vec<f32> = model.values(&batch).into_data().try_into_vec().unwrap();
        assert_eq!(values, vec![0.0; 6]);
        // A bias of 1.5 alone: every real position is 1.5, padding 0.
        model.head = LinearConfig::new(architecture.hidden_size, 1)
            .with_initializer(Initializer::Zeros)
            .init(&device);
        model.head.bias = model.head.bias.map(|bias| bias.map(|b| b.add_scalar(1.5)));
        let values: Vec<f32> = model.values(&batch).into_data().try_into_vec().unwrap();
        assert_eq!(values, vec![1.5, 1.5, 1.5, 1.5, 0.0, 0.0]);
    }

    #[test]
    fn a_value_depends_only_on_the_tokens_before_it() {
        let device = Device::default();
        let (mut model, architecture) = ValueModel::new(&TrunkConfig::default(), &device).unwrap();
        device.seed(3);
        model.head = LinearConfig::new(architecture.hidden_size, 1).init(&device);
        let batch = |completion: Vec<u32>| {
            SequenceBatch::from_ids(&[vec![5, 6]], &[completion], 0, &device).unwrap()
        };
        let first: Vec<f32> = model
            .values(&batch(vec![8, 9, 10]))
            .into_data()
            .try_into_vec()
            .unwrap();
        let second: Vec<f32> = model
            .values(&batch(vec![8, 9, 20]))
            .into_data()
            .try_into_vec()
            .unwrap();
        let third: Vec<f32> = model
            .values(&batch(vec![8, 30, 10]))
            .into_data()
            .try_into_vec()
            .unwrap();
        // The last token is not read (its value is that of the state before it).
        assert_eq!(first, second);
        assert_eq!(first[..2], third[..2]);
        assert_ne!(first[2], third[2]);
    }
}
