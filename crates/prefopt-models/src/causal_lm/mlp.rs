//! The SwiGLU feed-forward network of a Llama block.

use super::config::CausalLmConfig;
use super::model::weight_initializer;
use prefopt_core::burn;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::nn::{Linear, LinearConfig, SwiGlu, SwiGluConfig};
use prefopt_core::burn::tensor::{Device, Tensor};

/// `down(silu(gate(x)) * up(x))`, no biases (Shazeer 2020, arXiv:2002.05202, eq. 6).
#[derive(Module, Debug)]
pub struct FeedForward {
    /// `gate` (burn's `linear_inner`) and `up` (`linear_outer`): `[hidden, intermediate]` each.
    pub gate_up: SwiGlu,
    /// `down`: `[intermediate, hidden]`.
    pub down: Linear,
}

impl FeedForward {
    /// Randomly initialized projections for `config`.
    pub fn init(config: &CausalLmConfig, device: &Device) -> Self {
        Self {
            gate_up: SwiGluConfig::new(config.hidden_size, config.intermediate_size)
                .with_bias(false)
                .with_initializer(weight_initializer())
                .init(device),
            down: LinearConfig::new(config.intermediate_size, config.hidden_size)
                .with_bias(false)
                .with_initializer(weight_initializer())
                .init(device),
        }
    }

    /// # Shapes
    /// `[batch, seq, hidden]` -> `[batch, seq, hidden]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.down.forward(self.gate_up.forward(x))
    }
}
