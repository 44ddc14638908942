//! The `[train]` values a policy suggests for the fields a config leaves out, and the schedule
//! and length types they share with [`TrainConfig`](crate::TrainConfig).

use serde::{Deserialize, Serialize};

/// The learning-rate schedule after the warmup (`train.lr_scheduler_type`), as transformers'
/// `get_scheduler` names them.
///
/// Every schedule starts with a linear warmup from 0 over `warmup_steps` (or
/// `ceil(warmup_ratio * total)`) optimizer steps. transformers' plain `constant` ignores the
/// warmup and its `constant_with_warmup` applies it; here `constant` applies a warmup when one is
/// set (with none, both agree), and `constant_with_warmup` is accepted as its other name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrSchedulerType {
    /// The base learning rate after the warmup.
    #[serde(alias = "constant_with_warmup")]
    Constant,
    /// Linear decay to 0 at the end of training (`get_linear_schedule_with_warmup`).
    Linear,
    /// Half a cosine wave down to 0 at the end of training (`get_cosine_schedule_with_warmup`,
    /// `num_cycles = 0.5`).
    Cosine,
}

/// How long a run trains: a number of optimizer steps, or passes over a finite training set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TrainLength {
    /// Optimizer steps.
    Steps(usize),
    /// Epochs over the training split (fractions allowed, as transformers' `num_train_epochs`).
    Epochs(f64),
}

/// The `[train]` values a policy suggests for the fields a config leaves out
/// ([`PolicyConfig::train_defaults`](crate::PolicyConfig::train_defaults)): tables on bandits
/// want large steps, language models TRL's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainDefaults {
    /// Steps or epochs.
    pub length: TrainLength,
    /// Learning rate.
    pub lr: f64,
    /// Examples per micro-batch.
    pub batch_size: usize,
    /// Schedule after the warmup.
    pub lr_scheduler_type: LrSchedulerType,
    /// Warmup as a fraction of the optimizer steps.
    pub warmup_ratio: f64,
    /// Decoupled weight decay.
    pub weight_decay: f64,
    /// Global gradient-norm clipping threshold (0: none).
    pub max_grad_norm: f64,
}

impl TrainDefaults {
    /// For tabular policies on bandits: 1000 steps of Adam at lr 0.05 on batches of 64, constant
    /// learning rate, no clipping, no weight decay (where Adam reaches pi* to ~1e-13 on
    /// population data, docs/architecture.md §7).
    pub fn bandit() -> Self {
        Self {
            length: TrainLength::Steps(1000),
            lr: 0.05,
            batch_size: 64,
            lr_scheduler_type: LrSchedulerType::Constant,
            warmup_ratio: 0.0,
            weight_decay: 0.0,
            max_grad_norm: 0.0,
        }
    }

    /// TRL's `DPOConfig` defaults for language models: learning rate 1e-6 (DPOConfig's own),
    /// and from transformers' `TrainingArguments`: 3 epochs, 8 examples per device, linear decay,
    /// no warmup, weight decay 0, `max_grad_norm` 1.0.
    pub fn trl_dpo() -> Self {
        Self {
            length: TrainLength::Epochs(3.0),
            lr: 1e-6,
            batch_size: 8,
            lr_scheduler_type: LrSchedulerType::Linear,
            warmup_ratio: 0.0,
            weight_decay: 0.0,
            max_grad_norm: 1.0,
        }
    }
}

impl Default for TrainDefaults {
    /// [`TrainDefaults::bandit`].
    fn default() -> Self {
        Self::bandit()
    }
}
