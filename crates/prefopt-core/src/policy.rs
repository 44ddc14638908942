//! The policy and reference-model roles.

use crate::{ConfigError, PluginKind, PluginTrait, PrefoptError, SequenceBatch, Task};
use burn::optim::ModuleOptimizer;
use burn::tensor::{Device, Gradients, Tensor};
use std::fmt::Debug;
use std::path::Path;

/// pi_theta: the model being trained.
///
/// Object-safe, so configs can pick any registered policy: the burn module lives inside the
/// implementation, which applies optimizer steps to itself ([`apply_gradients`](Self::apply_gradients)).
pub trait Policy: Debug + Send {
    /// `log pi_theta(y | x) = sum_t mask_t * log pi_theta(y_t | x, y_<t)`, tracked by autodiff
    /// when the policy lives on an autodiff device.
    ///
    /// # Shapes
    /// `[batch]`, one summed completion log-prob per sequence of `batch`.
    fn sequence_logps(&self, batch: &SequenceBatch) -> Tensor<1>;

    /// For an output space that can be enumerated: the whole table `log pi_theta(y | x)`.
    ///
    /// # Shapes
    /// `[contexts, outputs]`, each row a normalized log-distribution.
    fn log_prob_table(&self) -> Option<Tensor<2>> {
        None
    }

    /// One optimizer step with the gradients of a loss computed from this policy's outputs.
    fn apply_gradients(&mut self, optimizer: &mut ModuleOptimizer, lr: f64, grads: Gradients);

    /// A frozen copy without autodiff: the usual reference model (pi_ref = the initial policy).
    fn freeze(&self) -> Box<dyn ReferenceModel>;

    /// The number of trainable scalars.
    fn num_params(&self) -> usize;

    /// Writes the parameters to `path` (atomically: temporary file, then rename).
    fn save(&self, path: &Path) -> Result<(), PrefoptError>;
}

/// pi_ref: the frozen reference. Its log-probs are constants, never tracked by autodiff; they
/// combine with the policy's autodiff tensors directly.
pub trait ReferenceModel: Debug + Send + Sync {
    /// `log pi_ref(y | x)` summed over completion tokens.
    ///
    /// # Shapes
    /// `[batch]`.
    fn sequence_logps(&self, batch: &SequenceBatch) -> Tensor<1>;
}

/// Builds a policy for a task: `[policy] type = "..."` in a config.
#[typetag::serde(tag = "type")]
pub trait PolicyConfig: Debug + Send + Sync {
    /// Builds the policy on `device` (an autodiff device when it will be trained).
    fn build(&self, task: &dyn Task, device: &Device) -> Result<Box<dyn Policy>, PrefoptError>;

    /// Rejects values the policy cannot take.
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}

impl PluginTrait for dyn PolicyConfig {
    const KIND: PluginKind = PluginKind::Policy;
    const SECTION: &'static str = "policy";
}
