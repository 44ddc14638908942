//! One optimizer step on a module trained from a loss it shares with other modules.

use prefopt_core::burn::module::Module;
use prefopt_core::burn::optim::{GradientsParams, ModuleOptimizer};
use prefopt_core::burn::tensor::Gradients;

/// One step of `optimizer` at learning rate `lr` on `module` with its share of `grads`, taken
/// out of them: the gradients of the other modules the same loss reached (the policy beside a
/// critic) stay in `grads` for their own steps.
pub fn step_module<M: Module>(
    module: &mut M,
    optimizer: &mut ModuleOptimizer,
    lr: f64,
    grads: &mut Gradients,
) {
    let grads = GradientsParams::from_module(grads, module);
    *module = optimizer.step(lr, module.clone(), grads);
}
