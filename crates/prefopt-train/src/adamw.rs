//! AdamW exactly as PyTorch's `torch.optim.AdamW` computes it, as a burn [`Optimizer`] that can
//! also accumulate gradients over micro-batches and rescale them before the update.
//!
//! burn's `ModuleOptimizer` hands an optimizer one parameter at a time. Global-norm clipping
//! needs every gradient before the first update, so a training step is split into passes over
//! the parameters ([`Pass`]), steered through state shared with the driver
//! ([`crate::optimizer::TrainingOptimizer`]): accumulate (and measure), then update.

use prefopt_core::burn::optim::{
    AdaptiveMomentumState, LearningRate, Optimizer, RecordState, StateSink, StateSource, join_path,
};
use prefopt_core::burn::tensor::{Device, Tensor};
use std::sync::{Arc, Mutex, MutexGuard};

/// AdamW's constants (Loshchilov & Hutter 2019, arXiv:1711.05101, Algorithm 2), PyTorch's
/// defaults unless set: beta1 0.9, beta2 0.999, epsilon 1e-8.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWSettings {
    /// Decay of the first moment.
    pub beta_1: f64,
    /// Decay of the second moment.
    pub beta_2: f64,
    /// Added to the denominator.
    pub epsilon: f64,
    /// Decoupled weight decay, applied to parameters of two or more dimensions only (none on
    /// norms and biases, as transformers' `Trainer` groups them).
    pub weight_decay: f64,
}

impl AdamWSettings {
    /// PyTorch's defaults with this weight decay (0: Adam).
    pub fn with_weight_decay(weight_decay: f64) -> Self {
        Self {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-8,
            weight_decay,
        }
    }
}

/// What one pass of the `ModuleOptimizer` over the parameters does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pass {
    /// Adds each gradient to the parameter's accumulated gradient, leaving the parameter as it
    /// is. With `measure`, adds the squared norm of the accumulated gradient to the total.
    Accumulate {
        /// Sum `||g||^2` over the parameters.
        measure: bool,
    },
    /// Adds the squared norm of every accumulated gradient to the total, changing nothing.
    Measure,
    /// One AdamW step with `g = scale * (accumulated + gradient)`: the gradient of this pass
    /// counts only `with_gradient` (without, the pass's gradients merely reach the parameters).
    /// With `measure`, adds `||accumulated + gradient||^2` (before scaling) to the total.
    Update {
        /// Whether this pass's gradients are part of the step's.
        with_gradient: bool,
        /// Multiplies the gradient (the clipping coefficient).
        scale: f64,
        /// Sum `||g||^2` over the parameters.
        measure: bool,
    },
}

/// What the passes share with their driver.
#[derive(Debug)]
pub(crate) struct Shared {
    /// The current pass.
    pub pass: Pass,
    /// `sum ||g||^2` of the measured parameters so far.
    pub norm_squared: Option<Tensor<1>>,
    /// Parameters that hold an accumulated gradient not yet applied.
    pub pending: usize,
    /// Parameters whose gradient norm the total holds.
    pub measured: usize,
    /// Parameters updated since the counter was reset.
    pub updated: usize,
}

/// PyTorch's AdamW as a burn [`Optimizer`] over one parameter at a time, in the pass its driver
/// sets. Construct through [`crate::optimizer::TrainingOptimizer`] or [`crate::optimizer::adam`].
#[derive(Debug, Clone)]
pub struct AdamW {
    settings: AdamWSettings,
    shared: Arc<Mutex<Shared>>,
}

impl AdamW {
    /// An optimizer in the plain-update pass, and the handle its driver steers it with.
    pub(crate) fn new(settings: AdamWSettings) -> (Self, Arc<Mutex<Shared>>) {
        let shared = Arc::new(Mutex::new(Shared {
            pass: Pass::Update {
                with_gradient: true,
                scale: 1.0,
                measure: false,
            },
            norm_squared: None,
            pending: 0,
            measured: 0,
            updated: 0,
        }));
        (
            Self {
                settings,
                shared: shared.clone(),
            },
            shared,
        )
    }

    fn shared(&self) -> MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// PyTorch's single-tensor AdamW update (`torch/optim/adamw.py`):
    ///
    /// ```text
    /// theta <- theta * (1 - lr * weight_decay)             (parameters of rank >= 2 only)
    /// m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2
    /// theta <- theta - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    /// ```
    ///
    /// # Shapes
    /// `tensor` and `grad` of the same shape, any rank.
    fn update<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        momentum: Option<AdaptiveMomentumState<D>>,
    ) -> (Tensor<D>, AdaptiveMomentumState<D>) {
        let s = self.settings;
        let momentum = match momentum {
            Some(mut state) => {
                state.moment_1 = state
                    .moment_1
                    .mul_scalar(s.beta_1)
                    .add(grad.clone().mul_scalar(1.0 - s.beta_1));
                state.moment_2 = state
                    .moment_2
                    .mul_scalar(s.beta_2)
                    .add(grad.square().mul_scalar(1.0 - s.beta_2));
                state.time += 1;
                state
            }
            None => AdaptiveMomentumState {
                time: 1,
                moment_1: grad.clone().mul_scalar(1.0 - s.beta_1),
                moment_2: grad.square().mul_scalar(1.0 - s.beta_2),
                max_moment_2: None,
            },
        };
        let decayed = if D >= 2 && s.weight_decay != 0.0 {
            tensor.mul_scalar(1.0 - lr * s.weight_decay)
        } else {
            tensor
        };
        let time = momentum.time as i32;
        let bias_correction_1 = 1.0 - s.beta_1.powi(time);
        let bias_correction_2_sqrt = (1.0 - s.beta_2.powi(time)).sqrt();
        let denominator = momentum
            .moment_2
            .clone()
            .sqrt()
            .div_scalar(bias_correction_2_sqrt)
            .add_scalar(s.epsilon);
        let step = momentum
            .moment_1
            .clone()
            .div(denominator)
            .mul_scalar(lr / bias_correction_1);
        (decayed - step, momentum)
    }
}

/// Adds `||g||^2` to the shared total.
fn measure<const D: usize>(shared: &mut Shared, grad: &Tensor<D>) {
    shared.measured += 1;
    let squared = grad.clone().square().sum();
    shared.norm_squared = Some(match shared.norm_squared.take() {
        Some(total) => total + squared,
        None => squared,
    });
}

/// One parameter's state: AdamW's moments (once it has been updated) and the gradient
/// accumulated since the last update.
#[derive(Clone)]
pub struct AdamWState<const D: usize> {
    /// Step count and moments (PyTorch's `step`, `exp_avg`, `exp_avg_sq`).
    pub momentum: Option<AdaptiveMomentumState<D>>,
    /// The sum of the micro-batch gradients not yet applied.
    pub accumulated: Option<Tensor<D>>,
}

impl<const D: usize> std::fmt::Debug for AdamWState<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdamWState")
            .field("step", &self.momentum.as_ref().map(|m| m.time))
            .field("accumulated", &self.accumulated.is_some())
            .finish()
    }
}

impl<const D: usize> RecordState for AdamWState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        if let Some(momentum) = &self.momentum {
            momentum.state_flatten(&join_path(prefix, "momentum"), out);
        }
        if let Some(accumulated) = &self.accumulated {
            out.push_tensor(prefix, "accumulated", accumulated.to_data());
        }
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        let path = join_path(prefix, "momentum");
        let momentum = if src.has_under(&path) {
            Some(AdaptiveMomentumState::state_unflatten(&path, src, device)?)
        } else {
            None
        };
        let accumulated = src
            .take_tensor(prefix, "accumulated")
            .map(|data| Tensor::from_data(data, device));
        Some(Self {
            momentum,
            accumulated,
        })
    }
}

impl Optimizer for AdamW {
    type State<const D: usize> = AdamWState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let (momentum, accumulated) = match state {
            Some(state) => (state.momentum, state.accumulated),
            None => (None, None),
        };
        let mut shared = self.shared();
        match shared.pass {
            Pass::Accumulate { measure: measured } => {
                if accumulated.is_none() {
                    shared.pending += 1;
                }
                let accumulated = match accumulated {
                    Some(sum) => sum + grad,
                    None => grad,
                };
                if measured {
                    measure(&mut shared, &accumulated);
                }
                let state = AdamWState {
                    momentum,
                    accumulated: Some(accumulated),
                };
                (tensor, Some(state))
            }
            Pass::Measure => {
                if let Some(sum) = &accumulated {
                    measure(&mut shared, sum);
                }
                let state = AdamWState {
                    momentum,
                    accumulated,
                };
                (tensor, Some(state))
            }
            Pass::Update {
                with_gradient,
                scale,
                measure: measured,
            } => {
                if accumulated.is_some() {
                    shared.pending -= 1;
                }
                let grad = match (accumulated, with_gradient) {
                    (Some(sum), true) => sum + grad,
                    (Some(sum), false) => sum,
                    (None, true) => grad,
                    // No gradient of the step reached this parameter: PyTorch skips it.
                    (None, false) => {
                        let state = momentum.map(|momentum| AdamWState {
                            momentum: Some(momentum),
                            accumulated: None,
                        });
                        return (tensor, state);
                    }
                };
                if measured {
                    measure(&mut shared, &grad);
                }
                shared.updated += 1;
                drop(shared);
                let grad = if scale == 1.0 {
                    grad
                } else {
                    grad.mul_scalar(scale)
                };
                let (tensor, momentum) = self.update(lr, tensor, grad, momentum);
                let state = AdamWState {
                    momentum: Some(momentum),
                    accumulated: None,
                };
                (tensor, Some(state))
            }
        }
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        AdamWState {
            momentum: state.momentum.map(|momentum| momentum.to_device(device)),
            accumulated: state.accumulated.map(|sum| sum.to_device(device)),
        }
    }
}
