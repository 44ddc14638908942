//! PPO's critic: on tasks whose contexts can be enumerated, one value per context
//! ([`ValueTable`]); on language models, a separate value model (a causal-LM trunk with a scalar
//! head, [`ValueModel`]) giving a value per completion token.

use prefopt_core::burn;
use prefopt_core::burn::module::{Module, Param};
use prefopt_core::burn::optim::ModuleOptimizer;
use prefopt_core::burn::tensor::{Device, Gradients, Tensor};
use prefopt_core::{PrefoptError, SequenceBatch};
use prefopt_models::ValueModel;
use prefopt_models::checkpoint::{load_module, save_module};
use prefopt_models::optimizer_step::step_module;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which critic PPO trains (`critic = "..."`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriticKind {
    /// A value per context (tabular tasks: a completion is one action, so the value of the state
    /// before it is the value of its context).
    #[default]
    Table,
    /// A value model beside the policy (language models): a causal-LM trunk of its own
    /// (`[algorithm.value_model]`, the tiny random one by default) with a linear head giving
    /// `V(x, y_<t)` before every completion token, as TRL's `PPOTrainer` trains a separate
    /// `value_model`.
    ValueModel,
    /// No critic: advantages are the rewards themselves (whitening still centres them).
    None,
}

/// The critic being trained: a table or a value model.
#[derive(Debug)]
pub enum CriticModel {
    /// `V(x)` per context.
    Table(ValueTable),
    /// `V(x, y_<t)` per completion token.
    Model(Box<ValueModel>),
}

impl CriticModel {
    /// The value of the state before each completion token, 0 on padding (a table has one
    /// position: the completion is one action).
    ///
    /// # Shapes
    /// `batch` of `rows` sequences; returns `[rows, 1]` for a table, `[rows, completion_len]`
    /// for a value model.
    pub fn values(&self, batch: &SequenceBatch) -> Tensor<2> {
        match self {
            CriticModel::Table(table) => table.values(batch),
            CriticModel::Model(model) => model.values(batch),
        }
    }

    /// Whether values are per context (one-token completions only).
    pub fn is_table(&self) -> bool {
        matches!(self, CriticModel::Table(_))
    }

    /// One optimizer step with the critic's share of `grads` (taken out of them).
    pub fn apply_gradients(
        &mut self,
        optimizer: &mut ModuleOptimizer,
        lr: f64,
        grads: &mut Gradients,
    ) {
        match self {
            CriticModel::Table(table) => step_module(table, optimizer, lr, grads),
            CriticModel::Model(model) => model.apply_gradients(optimizer, lr, grads),
        }
    }

    /// Writes the parameters with their ids (a burnpack file).
    pub fn save(&self, path: &Path) -> Result<(), PrefoptError> {
        match self {
            CriticModel::Table(table) => save_module(table, path),
            CriticModel::Model(model) => model.save(path),
        }
    }

    /// Restores what [`save`](Self::save) wrote, refusing another size or architecture.
    pub fn load(&mut self, path: &Path) -> Result<(), PrefoptError> {
        match self {
            CriticModel::Table(table) => table.load(path),
            CriticModel::Model(model) => model.load(path),
        }
    }
}

/// `V(x)`, one trainable value per context, starting at 0.
#[derive(Module, Debug)]
pub struct ValueTable {
    /// The values, `[contexts]`.
    pub values: Param<Tensor<1>>,
}

impl ValueTable {
    /// Zero values for `contexts` contexts on `device`.
    pub fn new(contexts: usize, device: &Device) -> Self {
        Self {
            values: Param::from_tensor(Tensor::zeros([contexts], device)),
        }
    }

    /// The value of the state before each completion token: `V(x)` at the first (the only
    /// token of a tabular completion), the context being the prompt's first token.
    ///
    /// # Shapes
    /// `batch` of `rows` single-token completions; returns `[rows, 1]`.
    pub fn values(&self, batch: &SequenceBatch) -> Tensor<2> {
        let contexts = batch.prompts.clone().narrow(1, 0, 1).squeeze_dim::<1>(1);
        self.values.val().select(0, contexts).unsqueeze_dim(1)
    }

    /// Restores the values a checkpoint holds (a burnpack file), refusing a table of another
    /// size.
    pub fn load(&mut self, path: &Path) -> Result<(), PrefoptError> {
        let expected = self.values.dims();
        let loaded = load_module(self, path)?;
        if loaded.values.dims() != expected {
            return Err(PrefoptError::Incompatible(format!(
                "{}: the checkpoint's critic holds {:?} values, the task has {expected:?} contexts",
                path.display(),
                loaded.values.dims()
            )));
        }
        *self = loaded;
        Ok(())
    }
}
