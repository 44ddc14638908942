//! One step's completions with everything the updates need: behaviour and reference
//! log-probs per token, rewards, and each completion's weight.

use prefopt_core::SequenceBatch;
use prefopt_core::burn::tensor::{Int, Tensor, TensorData};

/// The completions gathered in one step.
///
/// Host tables are row-major `[rows, width]`, `width` the longest completion: one value per
/// completion token, 0 on padding.
#[derive(Debug, Clone)]
pub struct Rollout {
    /// The prompts and completions, on the training device.
    pub sequences: SequenceBatch,
    /// For each completion, the prompt it answers (an index into the step's prompts; for tasks
    /// with contexts, the context): completions of one prompt form a group (GRPO, RLOO).
    pub prompt_of: Vec<usize>,
    /// The number of distinct prompts.
    pub prompts: usize,
    /// Each completion's weight, summing to 1: `pi_old(y|x) / contexts` in population mode,
    /// `1 / rows` for sampled completions.
    pub weights: Vec<f64>,
    /// Whether the rows are the whole population (statistics are exact: no Bessel correction).
    pub population: bool,
    /// Token positions per completion.
    pub width: usize,
    /// 1.0 on completion tokens, 0.0 on padding, `[rows, width]`.
    pub mask: Vec<f64>,
    /// `log pi_old(y_t | x, y_<t)`, the behaviour policy, `[rows, width]`.
    pub old_logps: Vec<f64>,
    /// `log pi_ref(y_t | x, y_<t)`, `[rows, width]`.
    pub ref_logps: Vec<f64>,
    /// The reward model's score of each completion, `[rows]`.
    pub scores: Vec<f64>,
    /// Whether each completion ended on a stop token (EOS); single-action completions of a
    /// table are complete by construction.
    pub finished: Vec<bool>,
}

impl Rollout {
    /// The number of completions.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// Whether there is no completion.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The weight of each token, `w_i * mask_it`, `[rows, width]`.
    pub fn token_weights(&self) -> Vec<f64> {
        self.mask
            .chunks(self.width)
            .zip(&self.weights)
            .flat_map(|(mask, w)| mask.iter().map(move |m| m * w))
            .collect()
    }

    /// `sum_t mask_t * values_t` per completion, for `[rows, width]` values.
    pub fn sequence_sums(&self, values: &[f64]) -> Vec<f64> {
        values
            .chunks(self.width)
            .zip(self.mask.chunks(self.width))
            .map(|(values, mask)| values.iter().zip(mask).map(|(v, m)| v * m).sum())
            .collect()
    }

    /// `sum_i w_i v_i` over completions (`weights` sum to 1: the mean under the rollout).
    pub fn mean(&self, values: &[f64]) -> f64 {
        values.iter().zip(&self.weights).map(|(v, w)| v * w).sum()
    }

    /// The rows `rows` of the sequences, on their device.
    pub fn select(&self, rows: &[usize]) -> SequenceBatch {
        let device = self.sequences.prompts.device();
        let index: Vec<i64> = rows.iter().map(|&row| row as i64).collect();
        let index = Tensor::<1, Int>::from_data(TensorData::new(index, [rows.len()]), &device);
        SequenceBatch {
            prompts: self.sequences.prompts.clone().select(0, index.clone()),
            prompt_mask: self.sequences.prompt_mask.clone().select(0, index.clone()),
            completions: self.sequences.completions.clone().select(0, index.clone()),
            completion_mask: self.sequences.completion_mask.clone().select(0, index),
        }
    }

    /// The `[rows.len(), width]` sub-table of `values` at `rows`.
    pub fn rows_of(&self, values: &[f64], rows: &[usize]) -> Vec<f64> {
        rows.iter()
            .flat_map(|&row| {
                values[row * self.width..(row + 1) * self.width]
                    .iter()
                    .copied()
            })
            .collect()
    }
}
