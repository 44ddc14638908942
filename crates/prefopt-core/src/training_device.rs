//! The device a run trains on: the run's device with autodiff, and gradient checkpointing where
//! `[train] gradient_checkpointing` asks for it.

use crate::TrainConfig;
use burn::tensor::Device;

impl TrainConfig {
    /// `device` with autodiff for training; with burn's balanced gradient checkpointing
    /// (element-wise results recomputed in the backward pass rather than kept) when
    /// [`gradient_checkpointing`](TrainConfig::gradient_checkpointing) is set.
    pub fn training_device(&self, device: &Device) -> Device {
        let device = device.clone().autodiff();
        if self.gradient_checkpointing {
            device.gradient_checkpointing()
        } else {
            device
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Tensor;

    /// `sum(exp(x) * x)`'s gradient, `exp(x) * (x + 1)`, is the same with and without
    /// checkpointing, and the checkpointed device says so.
    #[test]
    fn checkpointing_changes_memory_not_gradients() {
        let gradient = |checkpointing: bool| {
            let config = TrainConfig {
                gradient_checkpointing: checkpointing,
                ..TrainConfig::default()
            };
            let device = config.training_device(&Device::default());
            assert!(
                device.gradient_checkpointing_strategy().is_some(),
                "autodiff is on"
            );
            let x = Tensor::<1>::from_floats([-1.0, 0.5, 2.0], &device).require_grad();
            let loss = (x.clone().exp() * x.clone()).sum();
            let grads = loss.backward();
            x.grad(&grads)
                .unwrap()
                .into_data()
                .try_into_vec_as::<f32>()
                .unwrap()
        };
        let expected: Vec<f32> = [-1.0f32, 0.5, 2.0]
            .iter()
            .map(|x| x.exp() * (x + 1.0))
            .collect();
        for checkpointing in [false, true] {
            for (got, want) in gradient(checkpointing).iter().zip(&expected) {
                assert!((got - want).abs() < 1e-5, "{got} vs {want}");
            }
        }
        let config = TrainConfig {
            gradient_checkpointing: true,
            ..TrainConfig::default()
        };
        assert_ne!(
            config
                .training_device(&Device::default())
                .gradient_checkpointing_strategy(),
            TrainConfig::default()
                .training_device(&Device::default())
                .gradient_checkpointing_strategy(),
        );
    }
}
