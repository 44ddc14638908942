//! [`FrozenCausalLm`]: a causal language model as the frozen reference pi_ref.

use super::logps::token_logps;
use super::model::CausalLm;
use super::shared_prefix::{PairForward, pair_sequence_logps, shared_pair_token_logps};
use prefopt_core::burn::module::{Module, ModuleVisitor, Param};
use prefopt_core::burn::tensor::Tensor;
use prefopt_core::{ParameterVisit, PreferenceBatch, PrefoptError, ReferenceModel, SequenceBatch};

/// A copy of a causal LM without autodiff (`Module::valid`): its log-probs are constants.
#[derive(Debug)]
pub struct FrozenCausalLm {
    model: CausalLm,
    pair_forward: PairForward,
}

impl FrozenCausalLm {
    /// Freezes `model` (moving it off autodiff; the tensors are shared, not copied); pairs
    /// are scored with [`PairForward::SharedPrefix`].
    pub fn new(model: &CausalLm) -> Self {
        Self {
            model: model.valid(),
            pair_forward: PairForward::SharedPrefix,
        }
    }

    /// How [`ReferenceModel::pair_sequence_logps`] runs the two completions of a pair.
    pub fn with_pair_forward(mut self, pair_forward: PairForward) -> Self {
        self.pair_forward = pair_forward;
        self
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

    /// Each pair's prompt run once for both completions where that saves work
    /// ([`pair_sequence_logps`]), else `[chosen; rejected]` as one batch.
    fn pair_sequence_logps(&self, batch: &PreferenceBatch) -> (Tensor<1>, Tensor<1>) {
        pair_sequence_logps(&self.model, batch, self.pair_forward, |both| {
            self.sequence_logps(both)
        })
    }

    /// Each pair's prompt run once for both completions where that saves work
    /// ([`shared_pair_token_logps`]), else each side on its own.
    fn try_pair_token_logps(
        &self,
        batch: &PreferenceBatch,
    ) -> Result<(Tensor<2>, Tensor<2>), PrefoptError> {
        match shared_pair_token_logps(&self.model, batch, self.pair_forward) {
            Some(both) => Ok(both),
            None => Ok((
                self.token_logps(&batch.chosen),
                self.token_logps(&batch.rejected),
            )),
        }
    }

    /// Every float parameter in module order (`embedding.weight`, `blocks.0....`).
    fn visit_parameters(&self, visit: &mut ParameterVisit<'_>) -> bool {
        visit_module_parameters(&self.model, visit);
        true
    }
}

/// Feeds every float parameter of `module` to `visit` as (module path, shape, f32 values), in
/// module order; of a LoRA-adapted weight, the frozen base, then the factors
/// (`<weight>.lora.a`, `<weight>.lora.b`).
pub fn visit_module_parameters<M: Module>(module: &M, visit: &mut ParameterVisit<'_>) {
    struct Visitor<'a> {
        path: Vec<String>,
        visit: &'a mut ParameterVisit<'a>,
    }
    impl ModuleVisitor for Visitor<'_> {
        fn enter_module(&mut self, name: &str, _container_type: &str) {
            self.path.push(name.to_string());
        }

        fn exit_module(&mut self, _name: &str, _container_type: &str) {
            self.path.pop();
        }

        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let value = param.val();
            let shape = value.dims();
            let data = value.into_data();
            let path = self.path.join(".");
            match data.as_slice::<f32>() {
                Ok(values) => (self.visit)(&path, &shape, values),
                // Another float dtype: converted to f32.
                Err(_) => {
                    let values = data.convert::<f32>();
                    let values = values.as_slice::<f32>().expect("converted to f32");
                    (self.visit)(&path, &shape, values)
                }
            }
        }
    }
    module.visit(&mut Visitor {
        path: Vec::new(),
        visit,
    });
}
