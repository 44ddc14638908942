//! The reward-model role.

use crate::SequenceBatch;
use burn::tensor::Tensor;
use std::fmt::Debug;

/// r(x, y): a scalar score per (prompt, completion).
///
/// Under Bradley–Terry (Bradley & Terry 1952; Rafailov et al. 2023, eq. 1),
/// `P(y_1 > y_2 | x) = sigmoid(r(x, y_1) - r(x, y_2))`.
pub trait RewardModel: Debug + Send + Sync {
    /// The reward of each sequence.
    ///
    /// # Shapes
    /// `[batch]`.
    fn score(&self, batch: &SequenceBatch) -> Tensor<1>;
}
