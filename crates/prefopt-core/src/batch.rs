//! The batches the roles exchange: token sequences, and preference pairs of them.

use burn::tensor::{Device, Int, Tensor};

/// A batch of (prompt, completion) sequences, right-padded.
///
/// For a bandit the prompt is one token (the context id) and the completion one token (the
/// action id); for a language model they are token ids.
///
/// # Shapes
/// * `prompts`: `[batch, prompt_len]`
/// * `completions`: `[batch, completion_len]`
/// * `completion_mask`: `[batch, completion_len]`, 1.0 on real completion tokens, 0.0 on padding
#[derive(Debug, Clone)]
pub struct SequenceBatch {
    /// Prompt token ids.
    pub prompts: Tensor<2, Int>,
    /// Completion token ids.
    pub completions: Tensor<2, Int>,
    /// Which completion positions are real tokens.
    pub completion_mask: Tensor<2>,
}

impl SequenceBatch {
    /// The number of sequences.
    pub fn len(&self) -> usize {
        self.prompts.dims()[0]
    }

    /// Whether the batch holds no sequence.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Completion token counts, shape `[batch]`.
    pub fn completion_tokens(&self) -> Tensor<1> {
        self.completion_mask.clone().sum_dim(1).squeeze_dim(1)
    }

    /// A batch of single-token prompts and single-token completions: the bandit's (x, y).
    pub fn single_tokens(prompts: &[i64], completions: &[i64], device: &Device) -> Self {
        let batch = prompts.len();
        Self {
            prompts: Tensor::<1, Int>::from_ints(prompts, device).reshape([batch, 1]),
            completions: Tensor::<1, Int>::from_ints(completions, device).reshape([batch, 1]),
            completion_mask: Tensor::ones([batch, 1], device),
        }
    }

    /// `context * outputs + output` for each sequence, taking the first prompt token as the
    /// context and the first completion token as the output: the row-major index into a
    /// `[contexts, outputs]` table, for tabular policies and rewards.
    ///
    /// # Shapes
    /// `[batch]`.
    pub fn table_index(&self, outputs: usize) -> Tensor<1, Int> {
        let contexts = self.prompts.clone().narrow(1, 0, 1).squeeze_dim::<1>(1);
        let outputs_taken = self.completions.clone().narrow(1, 0, 1).squeeze_dim::<1>(1);
        contexts * (outputs as i64) + outputs_taken
    }

    /// Stacks two batches of the same sequence lengths along the batch axis.
    pub fn concat(first: Self, second: Self) -> Self {
        Self {
            prompts: Tensor::cat(vec![first.prompts, second.prompts], 0),
            completions: Tensor::cat(vec![first.completions, second.completions], 0),
            completion_mask: Tensor::cat(vec![first.completion_mask, second.completion_mask], 0),
        }
    }
}

/// A batch of preference pairs: for each prompt, a chosen (preferred) and a rejected completion,
/// and optionally a weight per pair (the population mode of a bandit weights every ordered pair
/// by its probability).
#[derive(Debug, Clone)]
pub struct PreferenceBatch {
    /// Prompts with their chosen completions.
    pub chosen: SequenceBatch,
    /// The same prompts with their rejected completions.
    pub rejected: SequenceBatch,
    /// Optional per-pair weights, shape `[batch]`, non-negative.
    pub weights: Option<Tensor<1>>,
}

impl PreferenceBatch {
    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.chosen.len()
    }

    /// Whether the batch holds no pair.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
