//! [`FrozenCausalLm`]: a causal language model as the frozen reference pi_ref.

use super::logps::token_logps;
use super::model::CausalLm;
use prefopt_core::burn::tensor::Tensor;
use prefopt_core::{ReferenceModel, SequenceBatch};

/// A copy of a causal LM without autodiff (`Module::valid`): its log-probs are constants.
#[derive(Debug)]
pub struct FrozenCausalLm {
    model: CausalLm,
}

impl FrozenCausalLm {
    /// Freezes `model` (moving it off autodiff).
    pub fn new(model: &CausalLm) -> Self {
        use prefopt_core::burn::module::Module;
        Self {
            model: model.valid(),
        }
    }

    /// The frozen module.
    pub fn model(&self) -> &CausalLm {
        &self.model
    }
}

impl ReferenceModel for FrozenCausalLm {
    fn token_logps(&self, batch: &SequenceBatch) -> Tensor<2> {
        token_logps(&self.model, batch)
    }
}
