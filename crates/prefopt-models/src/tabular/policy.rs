//! `pi_theta(y|x) = softmax(theta[x])[y]`.

use super::frozen::FrozenTable;
use crate::checkpoint::{load_module, save_module};
use prefopt_core::burn;
use prefopt_core::burn::module::{Module, Param};
use prefopt_core::burn::optim::{GradientsParams, ModuleOptimizer};
use prefopt_core::burn::tensor::activation::log_softmax;
use prefopt_core::burn::tensor::{Device, Gradients, Tensor, TensorData};
use prefopt_core::fs::write_atomic;
use prefopt_core::{Policy, PrefoptError, ReferenceModel, SequenceBatch};
use serde_json::json;
use std::path::Path;

/// The burn module: a `[contexts, outputs]` logit table.
#[derive(Module, Debug)]
pub struct TabularLogits {
    /// The logits theta.
    pub logits: Param<Tensor<2>>,
}

/// A tabular softmax policy `pi_theta(y|x) = exp(theta[x, y]) / sum_y' exp(theta[x, y'])`, the
/// policy class in which DPO's population optimum is exactly reachable (Rafailov et al. 2023,
/// §5; Azar et al. 2023, §4.2).
#[derive(Debug)]
pub struct TabularPolicy {
    module: TabularLogits,
    outputs: usize,
}

impl TabularPolicy {
    /// A policy with these initial logits, row-major `[contexts, outputs]`, on `device`.
    pub fn from_logits(logits: &[f64], contexts: usize, outputs: usize, device: &Device) -> Self {
        assert_eq!(
            logits.len(),
            contexts * outputs,
            "logits must be [contexts, outputs]"
        );
        let values: Vec<f32> = logits.iter().map(|&v| v as f32).collect();
        let tensor = Tensor::<2>::from_data(TensorData::new(values, [contexts, outputs]), device);
        Self {
            module: TabularLogits {
                logits: Param::from_tensor(tensor),
            },
            outputs,
        }
    }

    /// The `[contexts, outputs]` log-prob table, tracked by autodiff.
    fn log_probs(&self) -> Tensor<2> {
        log_softmax(self.module.logits.val(), 1)
    }

    /// The logits as host values, row-major.
    pub fn logits(&self) -> Vec<f32> {
        self.module
            .logits
            .val()
            .into_data()
            .try_into_vec::<f32>()
            .expect("f32 logits")
    }
}

impl Policy for TabularPolicy {
    fn token_logps(&self, batch: &SequenceBatch) -> Tensor<2> {
        self.sequence_logps(batch).unsqueeze_dim(1)
    }

    fn sequence_logps(&self, batch: &SequenceBatch) -> Tensor<1> {
        let [contexts, outputs] = self.module.logits.dims();
        self.log_probs()
            .reshape([contexts * outputs])
            .select(0, batch.table_index(self.outputs))
    }

    fn log_prob_table(&self) -> Option<Tensor<2>> {
        Some(self.log_probs())
    }

    fn apply_gradients(&mut self, optimizer: &mut ModuleOptimizer, lr: f64, grads: Gradients) {
        let grads = GradientsParams::from_grads(grads, &self.module);
        self.module = optimizer.step(lr, self.module.clone(), grads);
    }

    fn freeze(&self) -> Box<dyn ReferenceModel> {
        Box::new(FrozenTable::new(log_softmax(
            self.module.valid().logits.val(),
            1,
        )))
    }

    fn num_params(&self) -> usize {
        self.module.num_params()
    }

    fn save(&self, path: &Path) -> Result<(), PrefoptError> {
        let [contexts, outputs] = self.module.logits.dims();
        let logits = self.logits();
        let rows: Vec<&[f32]> = logits.chunks(outputs).collect();
        let content = json!({ "contexts": contexts, "outputs": outputs, "logits": rows });
        write_atomic(path, content.to_string().as_bytes())
    }

    fn save_checkpoint(&self, path: &Path) -> Result<(), PrefoptError> {
        save_module(&self.module, path)
    }

    fn load_checkpoint(&mut self, path: &Path) -> Result<(), PrefoptError> {
        let expected = self.module.logits.dims();
        let loaded = load_module(&self.module, path)?;
        let found = loaded.logits.dims();
        if found != expected {
            return Err(PrefoptError::Incompatible(format!(
                "{}: the checkpoint holds a {found:?} logit table, the policy is {expected:?}",
                path.display()
            )));
        }
        self.module = loaded;
        Ok(())
    }
}
