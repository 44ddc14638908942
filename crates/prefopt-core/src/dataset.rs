//! Finite data sets read by position: the training and held-out splits of a preference file,
//! in paired or unpaired form.

use crate::{PreferenceBatch, SequenceBatch};
use burn::tensor::Tensor;

/// A part of a finite data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// The examples trained on.
    Train,
    /// Held-out examples, evaluated but never trained on.
    Eval,
}

impl Split {
    /// `train` or `eval`: the prefix of the split's metric names (TRL logs `eval_*`).
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Eval => "eval",
        }
    }
}

/// Single completions, each labelled desirable or undesirable (KTO's data, Ethayarajh et al.
/// 2024, arXiv:2402.01306; TRL's unpaired format `prompt`, `completion`, `label`).
///
/// # Shapes
/// `sequences` holds `batch` rows; `desirable` and `weights` are `[batch]`.
#[derive(Debug, Clone)]
pub struct UnpairedBatch {
    /// The prompts and their completions.
    pub sequences: SequenceBatch,
    /// 1.0 for a desirable completion, 0.0 for an undesirable one.
    pub desirable: Tensor<1>,
    /// Optional non-negative weight per completion.
    pub weights: Option<Tensor<1>>,
}

impl UnpairedBatch {
    /// The number of completions.
    pub fn len(&self) -> usize {
        self.sequences.len()
    }

    /// Whether the batch holds no completion.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The examples of a finite data set at some positions, collated: pairs, or unpaired
/// completions.
// One batch is built per step: the size difference of the variants (tensor handles) is immaterial.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum TaskBatch {
    /// Chosen and rejected completions per prompt.
    Pairs(PreferenceBatch),
    /// Completions labelled desirable or undesirable.
    Unpaired(UnpairedBatch),
}

impl TaskBatch {
    /// The number of examples (pairs, or completions).
    pub fn len(&self) -> usize {
        match self {
            TaskBatch::Pairs(batch) => batch.len(),
            TaskBatch::Unpaired(batch) => batch.len(),
        }
    }

    /// Whether the batch holds no example.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
