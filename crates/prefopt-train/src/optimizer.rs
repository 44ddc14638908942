//! Optimizers built from `[train]`.

use prefopt_core::TrainConfig;
use prefopt_core::burn::grad_clipping::GradientClippingConfig;
use prefopt_core::burn::optim::{AdamConfig, ModuleOptimizer};

/// Adam (Kingma & Ba 2015, arXiv:1412.6980) with PyTorch's defaults (beta1 0.9, beta2 0.999,
/// epsilon 1e-8), clipping the gradient norm at `train.grad_clip` when set.
pub fn adam(train: &TrainConfig) -> ModuleOptimizer {
    AdamConfig::new()
        .with_epsilon(1e-8)
        .with_grad_clipping(
            train
                .grad_clip
                .map(|c| GradientClippingConfig::Norm(c as f32)),
        )
        .init()
}
