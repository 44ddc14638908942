//! The optimizer of `[train]`: AdamW with PyTorch's defaults, gradient accumulation over
//! micro-batches, and global-norm clipping, driving any [`Policy`] through
//! [`Policy::apply_gradients`].
//!
//! A policy keeps its burn module to itself and turns a backward pass's `Gradients` into an
//! update through a `ModuleOptimizer`, one parameter at a time. Accumulating and clipping
//! therefore run as passes of that optimizer over the parameters ([`Pass`]): each micro-batch's
//! gradients are added to per-parameter sums held in the optimizer state, and the update reads
//! the sums. Clipping needs the norm of every sum before the first update, so when it is on the
//! update is a second pass, reached by the gradients of a *probe*: the log-prob of one token of
//! the step's data, whose gradients touch every trainable parameter and are otherwise ignored.
//! Without clipping the last micro-batch's pass is the update and no probe runs.

use crate::adamw::{AdamW, AdamWSettings, Pass, Shared};
use crate::clipping::clip_coefficient;
use prefopt_core::burn::optim::ModuleOptimizer;
use prefopt_core::burn::tensor::{Gradients, Tensor};
use prefopt_core::{Policy, PrefoptError, SequenceBatch, TrainConfig};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// AdamW (Loshchilov & Hutter 2019, arXiv:1711.05101) with PyTorch's defaults (beta1 0.9,
/// beta2 0.999, epsilon 1e-8) and `train`'s weight decay on parameters of two or more dimensions
/// (0: Adam, Kingma & Ba 2015, arXiv:1412.6980), as a plain `ModuleOptimizer` for
/// [`Policy::apply_gradients`]: each call is one update, without accumulation or clipping (use
/// [`TrainingOptimizer`] for those).
pub fn adam(train: &TrainConfig) -> ModuleOptimizer {
    let (optimizer, _) = AdamW::new(AdamWSettings::with_weight_decay(train.weight_decay()));
    ModuleOptimizer::from(optimizer)
}

/// What one optimizer step measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepReport {
    /// The global gradient norm before clipping, `sqrt(sum_p ||g_p||^2)` (TRL's `grad_norm`);
    /// `None` when the step was not asked to measure it and did not clip.
    pub grad_norm: Option<f64>,
    /// The factor the gradients were multiplied by (1 without clipping).
    pub clip_coefficient: f64,
}

/// AdamW with accumulation and global-norm clipping, as transformers' `Trainer` steps:
/// gradients of the micro-batches summed ([`accumulate`](Self::accumulate)), clipped to
/// `max_grad_norm` by their joint norm (PyTorch's `clip_grad_norm_`), then one AdamW update
/// ([`step`](Self::step)).
#[derive(Clone)]
pub struct TrainingOptimizer {
    module: ModuleOptimizer,
    shared: Arc<Mutex<Shared>>,
    max_grad_norm: Option<f64>,
}

impl std::fmt::Debug for TrainingOptimizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrainingOptimizer")
            .field("max_grad_norm", &self.max_grad_norm)
            .finish_non_exhaustive()
    }
}

impl TrainingOptimizer {
    /// The optimizer of `train`: its weight decay and `max_grad_norm`.
    pub fn new(train: &TrainConfig) -> Self {
        Self::with_settings(
            AdamWSettings::with_weight_decay(train.weight_decay()),
            train.max_grad_norm(),
        )
    }

    /// AdamW with these constants, clipping at `max_grad_norm` when set.
    pub fn with_settings(settings: AdamWSettings, max_grad_norm: Option<f64>) -> Self {
        let (optimizer, shared) = AdamW::new(settings);
        Self {
            module: ModuleOptimizer::from(optimizer),
            shared,
            max_grad_norm,
        }
    }

    fn shared(&self) -> MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn pass(&mut self, policy: &mut dyn Policy, pass: Pass, lr: f64, grads: Gradients) {
        self.shared().pass = pass;
        policy.apply_gradients(&mut self.module, lr, grads);
    }

    /// Adds the gradients of a micro-batch that is not the step's last (its loss already scaled
    /// by its share of the step's examples). The parameters do not change.
    pub fn accumulate(&mut self, policy: &mut dyn Policy, grads: Gradients) {
        self.pass(policy, Pass::Accumulate { measure: false }, 0.0, grads);
    }

    /// The step: adds the last micro-batch's `grads` to the accumulated ones, clips their global
    /// norm, and updates `policy` with learning rate `lr`. `probe` is a batch of the step's data
    /// (see [`probe_batch`]) whose log-probs reach every trainable parameter, used when
    /// clipping. The gradient norm is measured when clipping, or when `measure` asks for it
    /// (reading it back costs a device synchronization).
    ///
    /// # Errors
    /// [`PrefoptError::Numerical`] when the gradient norm is not finite (the parameters are then
    /// left unchanged when clipping is on) or some parameter's gradient was left unapplied.
    pub fn step(
        &mut self,
        policy: &mut dyn Policy,
        lr: f64,
        grads: Gradients,
        probe: &SequenceBatch,
        measure: bool,
    ) -> Result<StepReport, PrefoptError> {
        {
            let mut shared = self.shared();
            shared.norm_squared = None;
            shared.measured = 0;
            shared.updated = 0;
        }
        let report = match self.max_grad_norm {
            Some(max_norm) => {
                self.pass(policy, Pass::Accumulate { measure: true }, lr, grads);
                let unmeasured = {
                    let shared = self.shared();
                    shared.measured < shared.pending
                };
                if unmeasured {
                    // Parameters with gradients from earlier micro-batches but none from the
                    // last one: measure every accumulated gradient through a probe.
                    self.shared().norm_squared = None;
                    let grads = policy.sequence_logps(probe).sum().backward();
                    self.pass(policy, Pass::Measure, lr, grads);
                }
                let grad_norm = self.measured_norm()?;
                let coefficient = clip_coefficient(grad_norm, max_norm);
                self.probe_update(policy, lr, probe, coefficient, false);
                StepReport {
                    grad_norm: Some(grad_norm),
                    clip_coefficient: coefficient,
                }
            }
            None => {
                let update = Pass::Update {
                    with_gradient: true,
                    scale: 1.0,
                    measure,
                };
                self.pass(policy, update, lr, grads);
                if self.shared().pending > 0 {
                    // Parameters with gradients from earlier micro-batches but none from the
                    // last one: a probe reaches them.
                    self.probe_update(policy, lr, probe, 1.0, measure);
                }
                StepReport {
                    grad_norm: measure.then(|| self.measured_norm()).transpose()?,
                    clip_coefficient: 1.0,
                }
            }
        };
        let pending = self.shared().pending;
        if pending > 0 {
            return Err(PrefoptError::Numerical(format!(
                "{pending} parameters with gradients were not updated: the probe batch's \
                 log-probs do not reach them"
            )));
        }
        Ok(report)
    }

    /// The update pass, reached through the gradients of the probe's log-probs.
    fn probe_update(
        &mut self,
        policy: &mut dyn Policy,
        lr: f64,
        probe: &SequenceBatch,
        scale: f64,
        measure: bool,
    ) {
        let grads = policy.sequence_logps(probe).sum().backward();
        let update = Pass::Update {
            with_gradient: false,
            scale,
            measure,
        };
        self.pass(policy, update, lr, grads);
    }

    /// `sqrt` of the squared norms summed by the passes since [`step`](Self::step) began.
    fn measured_norm(&self) -> Result<f64, PrefoptError> {
        let squared = self.shared().norm_squared.clone();
        let norm = squared.map_or(0.0, |squared| {
            f64::from(squared.into_scalar::<f32>()).sqrt()
        });
        if norm.is_finite() {
            Ok(norm)
        } else {
            Err(PrefoptError::Numerical(format!(
                "the gradient norm is {norm}"
            )))
        }
    }

    /// Parameters updated by the last [`step`](Self::step).
    pub fn updated_parameters(&self) -> usize {
        self.shared().updated
    }

    /// burn's optimizer, whose record holds the moments keyed by parameter id.
    pub fn module_optimizer(&self) -> &ModuleOptimizer {
        &self.module
    }

    /// Writes the optimizer state (a burnpack file keyed by parameter ids).
    pub fn save(&self, path: &Path) -> Result<(), PrefoptError> {
        self.module.save(path).map_err(|error| PrefoptError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(error.to_string()),
        })
    }

    /// Restores the state [`save`](Self::save) wrote.
    pub fn load(mut self, path: &Path) -> Result<Self, PrefoptError> {
        self.module = self.module.load(path).map_err(|error| PrefoptError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(error.to_string()),
        })?;
        Ok(self)
    }
}

/// One row of `batch` cut to its first prompt token and first completion token: the cheapest
/// input whose log-prob depends on every parameter of a table or a language model.
///
/// # Shapes
/// `batch`: `[rows >= 1, ...]`; returns a batch of shape `[1, 1]` per tensor.
pub fn probe_batch(batch: &SequenceBatch) -> SequenceBatch {
    let device = batch.prompts.device();
    let first = |tensor: &Tensor<2, prefopt_core::burn::tensor::Int>| {
        tensor.clone().narrow(0, 0, 1).narrow(1, 0, 1)
    };
    SequenceBatch {
        prompts: first(&batch.prompts),
        prompt_mask: Tensor::ones([1, 1], &device),
        completions: first(&batch.completions),
        completion_mask: Tensor::ones([1, 1], &device),
    }
}
