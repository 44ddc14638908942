//! Finite data sets read by position: the training and held-out splits of a preference file,
//! in paired or unpaired form.

use crate::{PreferenceBatch, PrefoptError, SequenceBatch};
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

/// The examples of `split` at `indices`, in that order: the positions a
/// [`Task::batch_at`](crate::Task::batch_at) call reads, checked. `what` names one example in
/// the errors (`"pair"`, `"example"`).
///
/// # Errors
/// [`PrefoptError::Data`] for no index, and for an index past the split's end, naming the split,
/// the index and the split's size.
pub fn examples_at<'a, T>(
    examples: &'a [T],
    split: Split,
    indices: &[usize],
    what: &str,
) -> Result<Vec<&'a T>, PrefoptError> {
    if indices.is_empty() {
        return Err(PrefoptError::Data(format!(
            "a batch of the {} split needs at least one index",
            split.as_str()
        )));
    }
    indices
        .iter()
        .map(|&index| {
            examples.get(index).ok_or_else(|| {
                PrefoptError::Data(format!(
                    "{split} {what} {index} does not exist: index {index} is out of range, the \
                     {split} split has {} {what}s",
                    examples.len(),
                    split = split.as_str()
                ))
            })
        })
        .collect()
}

/// How many of `count` examples a held-out `fraction` takes: `round(count * fraction)`, at least
/// one and leaving at least one to train on; none when `fraction <= 0` or `count < 2`.
pub fn held_out_count(count: usize, fraction: f64) -> usize {
    if fraction > 0.0 && count >= 2 {
        ((fraction * count as f64).round() as usize).clamp(1, count - 1)
    } else {
        0
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
    /// The completions of preference pairs, unpaired: every chosen completion (desirable), then
    /// every rejected one (undesirable), each with its pair's prompt and weight.
    ///
    /// # Shapes
    /// `pairs` holds `batch` pairs; the result holds `2 * batch` completions.
    pub fn from_pairs(pairs: &PreferenceBatch) -> Self {
        let count = pairs.len();
        let device = pairs.chosen.prompts.device();
        Self {
            sequences: SequenceBatch::concat(pairs.chosen.clone(), pairs.rejected.clone()),
            desirable: Tensor::cat(
                vec![
                    Tensor::ones([count], &device),
                    Tensor::zeros([count], &device),
                ],
                0,
            ),
            weights: pairs
                .weights
                .as_ref()
                .map(|w| Tensor::cat(vec![w.clone(), w.clone()], 0)),
        }
    }

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
