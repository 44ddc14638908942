//! A frozen log-prob table: the reference model of tabular tasks.

use prefopt_core::burn::tensor::Tensor;
use prefopt_core::{ReferenceModel, SequenceBatch};

/// A constant `[contexts, outputs]` table of `log pi_ref(y|x)`, never tracked by autodiff.
#[derive(Debug, Clone)]
pub struct FrozenTable {
    log_probs: Tensor<2>,
}

impl FrozenTable {
    /// Freezes `log_probs` (`[contexts, outputs]`, each row normalized), detached.
    pub fn new(log_probs: Tensor<2>) -> Self {
        Self {
            log_probs: log_probs.detach(),
        }
    }
}

impl ReferenceModel for FrozenTable {
    fn token_logps(&self, batch: &SequenceBatch) -> Tensor<2> {
        self.sequence_logps(batch).unsqueeze_dim(1)
    }

    fn sequence_logps(&self, batch: &SequenceBatch) -> Tensor<1> {
        let [contexts, outputs] = self.log_probs.dims();
        self.log_probs
            .clone()
            .reshape([contexts * outputs])
            .select(0, batch.table_index(outputs))
            .to_device(&batch.prompts.device())
    }
}
