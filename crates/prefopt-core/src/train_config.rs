//! `[train]`: the optimization settings of a training run.

use crate::{ConfigError, LrSchedulerType, TrainDefaults, TrainLength, fits_f32};
use serde::{Deserialize, Serialize};

/// Optimization settings of a training run (`[train]`).
///
/// Fields left out take the policy's defaults ([`TrainDefaults`]: the bandit values for tables,
/// TRL's `DPOConfig` for language models), filled in by [`resolve`](Self::resolve) when the
/// config is loaded, so a run's `config.toml` shows the values it ran with. The names follow
/// transformers' `TrainingArguments` where one exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Optimizer steps (give `steps` or `epochs`, not both).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// Passes over a finite training set (a preference file), fractions allowed; the steps are
    /// `ceil(epochs * steps_per_epoch)` (transformers' `num_train_epochs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epochs: Option<f64>,
    /// Peak learning rate of AdamW (Loshchilov & Hutter 2019, arXiv:1711.05101).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// Examples (pairs, or unpaired completions) per micro-batch (ignored by population data,
    /// which uses every pair each step).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    /// Micro-batches per optimizer step, their gradients summed with each loss scaled by its
    /// share of the step's examples, so the update equals the whole batch's.
    pub gradient_accumulation_steps: usize,
    /// The schedule after the warmup.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lr_scheduler_type: Option<LrSchedulerType>,
    /// Warmup from 0 to `lr` over this many optimizer steps (give this or `warmup_ratio`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warmup_steps: Option<usize>,
    /// Warmup over `ceil(warmup_ratio * steps)` optimizer steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warmup_ratio: Option<f64>,
    /// AdamW's decoupled weight decay, applied to parameters of two or more dimensions (none on
    /// norms and biases, as transformers' `Trainer`). 0 is Adam.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
    /// Clip the global gradient norm over all parameters to this value, as PyTorch's
    /// `clip_grad_norm_` (0: no clipping).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_grad_norm: Option<f64>,
    /// The former name of `max_grad_norm`, still read (give one of the two).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grad_clip: Option<f64>,
    /// Evaluate every this many steps: KL to pi* and true reward on tasks that know them, and the
    /// objective on a held-out split (`eval_*` metrics), where the task has one.
    pub eval_every: usize,
    /// Log training metrics every this many steps.
    pub log_every: usize,
    /// Write a resumable checkpoint (`checkpoints/step-N/` in the run directory) every this many
    /// steps (none: only when the run is interrupted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_every: Option<usize>,
    /// Keep only this many of the newest checkpoints (none: keep all), as transformers'
    /// `save_total_limit`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_checkpoints: Option<usize>,
    /// Completions the sampled evaluation of a language-model policy draws at each evaluation
    /// (every prompt at least once, the same number per prompt): `reward/true`, `kl/reference`
    /// and `kl/optimal` with their standard errors, on prompt tasks that know their reward.
    pub eval_completions: usize,
    /// Reference completions per prompt the sampled evaluation draws once, at the start, for
    /// its Monte-Carlo estimate of `log Z(x)` (behind `kl/optimal`); its Jensen bias shrinks as
    /// 1/N.
    pub eval_reference_samples: usize,
    /// Recompute cheap intermediate values (element-wise operations) in the backward pass
    /// instead of keeping them from the forward pass: burn's balanced gradient checkpointing
    /// (transformers' `gradient_checkpointing`). Less memory, at some recomputation.
    pub gradient_checkpointing: bool,
}

impl Default for TrainConfig {
    /// Every policy-dependent field left to the policy; one micro-batch per step; metrics logged
    /// every 10 steps and evaluated every 100; no periodic checkpoints; sampled evaluations over 64
    /// completions, with 32 reference completions per prompt.
    fn default() -> Self {
        Self {
            steps: None,
            epochs: None,
            lr: None,
            batch_size: None,
            gradient_accumulation_steps: 1,
            lr_scheduler_type: None,
            warmup_steps: None,
            warmup_ratio: None,
            weight_decay: None,
            max_grad_norm: None,
            grad_clip: None,
            eval_every: 100,
            log_every: 10,
            checkpoint_every: None,
            keep_checkpoints: None,
            eval_completions: 64,
            eval_reference_samples: 32,
            gradient_checkpointing: false,
        }
    }
}

impl TrainConfig {
    /// Whether a checkpoint is written once `step` optimizer steps are done: every
    /// `checkpoint_every` steps, when it is set.
    pub fn checkpoint_due(&self, step: usize) -> bool {
        self.checkpoint_every
            .is_some_and(|every| step.is_multiple_of(every))
    }

    /// Fills every field left out with `defaults`. `steps` and `epochs` are filled only when
    /// neither is given, the warmup only when neither `warmup_steps` nor `warmup_ratio` is.
    pub fn resolve(&mut self, defaults: &TrainDefaults) {
        if self.steps.is_none() && self.epochs.is_none() {
            match defaults.length {
                TrainLength::Steps(steps) => self.steps = Some(steps),
                TrainLength::Epochs(epochs) => self.epochs = Some(epochs),
            }
        }
        self.lr.get_or_insert(defaults.lr);
        self.batch_size.get_or_insert(defaults.batch_size);
        self.lr_scheduler_type
            .get_or_insert(defaults.lr_scheduler_type);
        if self.warmup_steps.is_none() && self.warmup_ratio.is_none() {
            self.warmup_ratio = Some(defaults.warmup_ratio);
        }
        self.weight_decay.get_or_insert(defaults.weight_decay);
        if self.grad_clip.is_none() {
            self.max_grad_norm.get_or_insert(defaults.max_grad_norm);
        }
    }

    /// A copy with the fields left out filled from `defaults` ([`resolve`](Self::resolve)).
    pub fn resolved(&self, defaults: &TrainDefaults) -> Self {
        let mut config = self.clone();
        config.resolve(defaults);
        config
    }

    /// Steps or epochs; a config that gives neither trains the bandit default's steps.
    pub fn length(&self) -> TrainLength {
        match (self.steps, self.epochs) {
            (Some(steps), _) => TrainLength::Steps(steps),
            (None, Some(epochs)) => TrainLength::Epochs(epochs),
            (None, None) => TrainDefaults::bandit().length,
        }
    }

    /// The learning rate (the bandit default when unresolved).
    pub fn lr(&self) -> f64 {
        self.lr.unwrap_or(TrainDefaults::bandit().lr)
    }

    /// Examples per micro-batch (the bandit default when unresolved).
    pub fn batch_size(&self) -> usize {
        self.batch_size
            .unwrap_or(TrainDefaults::bandit().batch_size)
    }

    /// The schedule after the warmup (the bandit default when unresolved).
    pub fn lr_scheduler_type(&self) -> LrSchedulerType {
        self.lr_scheduler_type
            .unwrap_or(TrainDefaults::bandit().lr_scheduler_type)
    }

    /// The decoupled weight decay (the bandit default when unresolved).
    pub fn weight_decay(&self) -> f64 {
        self.weight_decay
            .unwrap_or(TrainDefaults::bandit().weight_decay)
    }

    /// The global gradient-norm threshold (`max_grad_norm`, or `grad_clip`), `None` when
    /// clipping is off (0, or unresolved).
    pub fn max_grad_norm(&self) -> Option<f64> {
        self.max_grad_norm
            .or(self.grad_clip)
            .filter(|&norm| norm > 0.0)
    }

    /// Warmup steps out of `total` optimizer steps: `warmup_steps`, or
    /// `ceil(warmup_ratio * total)` (transformers' `get_warmup_steps`).
    pub fn warmup(&self, total: usize) -> usize {
        match (self.warmup_steps, self.warmup_ratio) {
            (Some(steps), _) => steps,
            (None, Some(ratio)) => (ratio * total as f64).ceil() as usize,
            (None, None) => 0,
        }
    }

    /// Optimizer steps per epoch over `examples` training examples: micro-batches of
    /// `batch_size` (the last one of an epoch may be smaller), `gradient_accumulation_steps` of
    /// them per step (the last step of an epoch may have fewer). Never 0.
    pub fn steps_per_epoch(&self, examples: usize) -> usize {
        let micro_batches = examples.div_ceil(self.batch_size().max(1));
        micro_batches
            .div_ceil(self.gradient_accumulation_steps.max(1))
            .max(1)
    }

    /// The optimizer steps of the run: `steps`, or `ceil(epochs * steps_per_epoch)` over the
    /// task's `train_examples` (an error naming `epochs` when the task has no finite training
    /// set).
    pub fn total_steps(&self, train_examples: Option<usize>) -> Result<usize, ConfigError> {
        match self.length() {
            TrainLength::Steps(steps) => Ok(steps),
            TrainLength::Epochs(epochs) => {
                let examples = train_examples.ok_or_else(|| {
                    ConfigError::new(
                        "epochs",
                        format!(
                            "epochs = {epochs} needs a task with a finite training set (a \
                             preference file); this task samples its batches, so give `steps`"
                        ),
                    )
                })?;
                if examples == 0 {
                    return Err(ConfigError::new(
                        "epochs",
                        "the task's training split is empty: there is nothing to train on",
                    ));
                }
                Ok((epochs * self.steps_per_epoch(examples) as f64).ceil() as usize)
            }
        }
    }

    /// Checks the values.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let (Some(_), Some(_)) = (self.steps, self.epochs) {
            return Err(ConfigError::new(
                "epochs",
                "give either `steps` or `epochs`, not both",
            ));
        }
        if let Some(epochs) = self.epochs
            && !(epochs.is_finite() && epochs > 0.0)
        {
            return Err(ConfigError::new(
                "epochs",
                format!("must be a finite number > 0, got {epochs}"),
            ));
        }
        if let Some(lr) = self.lr {
            if !(lr.is_finite() && lr > 0.0) {
                return Err(ConfigError::new("lr", format!("must be > 0, got {lr}")));
            }
            fits_f32("lr", lr)?;
        }
        for (field, value) in [
            ("batch_size", self.batch_size.unwrap_or(1)),
            (
                "gradient_accumulation_steps",
                self.gradient_accumulation_steps,
            ),
            ("eval_every", self.eval_every),
            ("log_every", self.log_every),
            ("checkpoint_every", self.checkpoint_every.unwrap_or(1)),
            ("keep_checkpoints", self.keep_checkpoints.unwrap_or(1)),
        ] {
            if value == 0 {
                return Err(ConfigError::new(field, "must be at least 1"));
            }
        }
        for (field, value) in [
            ("eval_completions", self.eval_completions),
            ("eval_reference_samples", self.eval_reference_samples),
        ] {
            if value < 2 {
                return Err(ConfigError::new(
                    field,
                    format!("must be at least 2 (a standard error needs two samples), got {value}"),
                ));
            }
        }
        if let (Some(_), Some(_)) = (self.max_grad_norm, self.grad_clip) {
            return Err(ConfigError::new(
                "grad_clip",
                "`grad_clip` is the former name of `max_grad_norm`: give only one of them",
            ));
        }
        for (field, value) in [
            ("weight_decay", self.weight_decay),
            ("max_grad_norm", self.max_grad_norm),
            ("grad_clip", self.grad_clip),
        ] {
            if let Some(value) = value {
                if !(value.is_finite() && value >= 0.0) {
                    return Err(ConfigError::new(
                        field,
                        format!("must be a finite number >= 0, got {value}"),
                    ));
                }
                fits_f32(field, value)?;
            }
        }
        if let (Some(_), Some(_)) = (self.warmup_steps, self.warmup_ratio) {
            return Err(ConfigError::new(
                "warmup_ratio",
                "give either `warmup_steps` or `warmup_ratio`, not both",
            ));
        }
        if let Some(ratio) = self.warmup_ratio
            && !(0.0..=1.0).contains(&ratio)
        {
            return Err(ConfigError::new(
                "warmup_ratio",
                format!("must be a fraction of the steps, in [0, 1], got {ratio}"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_fills_only_what_is_left_out() {
        let mut config = TrainConfig {
            epochs: Some(2.0),
            warmup_steps: Some(5),
            lr: Some(3e-6),
            ..TrainConfig::default()
        };
        config.resolve(&TrainDefaults::bandit());
        assert_eq!(config.steps, None, "epochs given: no steps added");
        assert_eq!(
            config.warmup_ratio, None,
            "warmup_steps given: no ratio added"
        );
        assert_eq!(config.lr, Some(3e-6));
        assert_eq!(config.batch_size, Some(64));
        assert_eq!(config.max_grad_norm(), None, "0 is no clipping");
        config.validate().unwrap();

        let lm = TrainConfig::default().resolved(&TrainDefaults::trl_dpo());
        assert_eq!(lm.epochs, Some(3.0));
        assert_eq!(lm.lr, Some(1e-6));
        assert_eq!(lm.batch_size, Some(8));
        assert_eq!(lm.max_grad_norm(), Some(1.0));
        assert_eq!(lm.lr_scheduler_type, Some(LrSchedulerType::Linear));
        assert_eq!(
            lm.resolved(&TrainDefaults::bandit()),
            lm,
            "resolving twice changes nothing"
        );
    }

    #[test]
    fn steps_per_epoch_count_partial_batches_and_steps() {
        let config = TrainConfig {
            batch_size: Some(4),
            gradient_accumulation_steps: 2,
            epochs: Some(1.5),
            ..TrainConfig::default()
        };
        // 10 examples: micro-batches of 4, 4, 2; steps of 2 + 1 micro-batches.
        assert_eq!(config.steps_per_epoch(10), 2);
        assert_eq!(config.total_steps(Some(10)).unwrap(), 3);
        assert_eq!(config.steps_per_epoch(8), 1);
        let error = config.total_steps(None).unwrap_err();
        assert_eq!(error.field, "epochs");
        assert!(error.message.contains("give `steps`"), "{}", error.message);
    }

    #[test]
    fn warmup_is_steps_or_the_ceiling_of_the_ratio() {
        let ratio = TrainConfig {
            warmup_ratio: Some(0.1),
            ..TrainConfig::default()
        };
        assert_eq!(ratio.warmup(25), 3);
        let steps = TrainConfig {
            warmup_steps: Some(7),
            ..TrainConfig::default()
        };
        assert_eq!(steps.warmup(25), 7);
    }

    #[test]
    fn contradictions_are_refused_by_name() {
        let both = TrainConfig {
            steps: Some(10),
            epochs: Some(1.0),
            ..TrainConfig::default()
        };
        assert_eq!(both.validate().unwrap_err().field, "epochs");
        let warmups = TrainConfig {
            warmup_steps: Some(1),
            warmup_ratio: Some(0.1),
            ..TrainConfig::default()
        };
        assert_eq!(warmups.validate().unwrap_err().field, "warmup_ratio");
        let negative = TrainConfig {
            max_grad_norm: Some(-1.0),
            ..TrainConfig::default()
        };
        assert_eq!(negative.validate().unwrap_err().field, "max_grad_norm");
    }
}
