//! The batches the roles exchange: token sequences, and preference pairs of them.

use crate::PrefoptError;
use burn::tensor::{Device, Int, Tensor, TensorData};

/// A batch of (prompt, completion) sequences, prompts and completions each right-padded.
///
/// For a bandit the prompt is one token (the context id) and the completion one token (the
/// action id); for a language model they are token ids. A language model reads row `i` as
/// `prompts[i, ..prompt_len_i] ++ completions[i, ..completion_len_i]`, the lengths given by the
/// masks.
///
/// # Shapes
/// * `prompts`: `[batch, prompt_len]`
/// * `prompt_mask`: `[batch, prompt_len]`, 1.0 on real prompt tokens, 0.0 on padding
/// * `completions`: `[batch, completion_len]`
/// * `completion_mask`: `[batch, completion_len]`, 1.0 on real completion tokens, 0.0 on padding
#[derive(Debug, Clone)]
pub struct SequenceBatch {
    /// Prompt token ids.
    pub prompts: Tensor<2, Int>,
    /// Which prompt positions are real tokens.
    pub prompt_mask: Tensor<2>,
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
            prompt_mask: Tensor::ones([batch, 1], device),
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

    /// A batch of token-id sequences, each prompt and completion right-padded with `pad_id` to
    /// the longest in the batch.
    ///
    /// Refuses an empty batch, an empty prompt and prompts and completions of different
    /// counts, naming the row.
    pub fn from_ids(
        prompts: &[Vec<u32>],
        completions: &[Vec<u32>],
        pad_id: u32,
        device: &Device,
    ) -> Result<Self, PrefoptError> {
        if prompts.is_empty() {
            return Err(PrefoptError::Data(
                "a batch needs at least one sequence".into(),
            ));
        }
        if prompts.len() != completions.len() {
            return Err(PrefoptError::Data(format!(
                "{} prompts but {} completions: each prompt needs one completion",
                prompts.len(),
                completions.len()
            )));
        }
        if let Some(row) = prompts.iter().position(Vec::is_empty) {
            return Err(PrefoptError::Data(format!(
                "sequence {row}: empty prompt; a prompt needs at least one token"
            )));
        }
        let (prompts, prompt_mask) = padded(prompts, pad_id, device);
        let (completions, completion_mask) = padded(completions, pad_id, device);
        Ok(Self {
            prompts,
            prompt_mask,
            completions,
            completion_mask,
        })
    }

    /// Prompt token counts, shape `[batch]`.
    pub fn prompt_tokens(&self) -> Tensor<1> {
        self.prompt_mask.clone().sum_dim(1).squeeze_dim(1)
    }

    /// The prompt and completion lengths of each row, read back to the host.
    pub fn lengths(&self) -> Vec<(usize, usize)> {
        let host = |mask: &Tensor<2>| -> Vec<usize> {
            mask.clone()
                .sum_dim(1)
                .into_data()
                .convert::<f32>()
                .try_to_vec::<f32>()
                .expect("f32 mask")
                .into_iter()
                .map(|count| count.round() as usize)
                .collect()
        };
        host(&self.prompt_mask)
            .into_iter()
            .zip(host(&self.completion_mask))
            .collect()
    }

    /// Stacks two batches along the batch axis, right-padding the shorter prompts and
    /// completions (with token 0, masked out).
    pub fn concat(first: Self, second: Self) -> Self {
        let prompt_len = first.prompts.dims()[1].max(second.prompts.dims()[1]);
        let completion_len = first.completions.dims()[1].max(second.completions.dims()[1]);
        let [first, second] =
            [first, second].map(|batch| batch.padded_to(prompt_len, completion_len));
        Self {
            prompts: Tensor::cat(vec![first.prompts, second.prompts], 0),
            prompt_mask: Tensor::cat(vec![first.prompt_mask, second.prompt_mask], 0),
            completions: Tensor::cat(vec![first.completions, second.completions], 0),
            completion_mask: Tensor::cat(vec![first.completion_mask, second.completion_mask], 0),
        }
    }

    /// The same batch right-padded to `prompt_len` prompt and `completion_len` completion
    /// positions (no-op where already that long).
    pub fn padded_to(self, prompt_len: usize, completion_len: usize) -> Self {
        Self {
            prompts: pad_columns_int(self.prompts, prompt_len),
            prompt_mask: pad_columns(self.prompt_mask, prompt_len),
            completions: pad_columns_int(self.completions, completion_len),
            completion_mask: pad_columns(self.completion_mask, completion_len),
        }
    }
}

/// Right-pads token-id rows with `pad_id` into `[rows, longest]` ids and a 0/1 mask.
fn padded(rows: &[Vec<u32>], pad_id: u32, device: &Device) -> (Tensor<2, Int>, Tensor<2>) {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut ids = Vec::with_capacity(rows.len() * width);
    let mut mask = Vec::with_capacity(rows.len() * width);
    for row in rows {
        ids.extend(row.iter().map(|&id| id as i64));
        ids.extend(std::iter::repeat_n(pad_id as i64, width - row.len()));
        mask.extend(std::iter::repeat_n(1.0f32, row.len()));
        mask.extend(std::iter::repeat_n(0.0f32, width - row.len()));
    }
    let shape = [rows.len(), width];
    (
        Tensor::from_data(TensorData::new(ids, shape), device),
        Tensor::from_data(TensorData::new(mask, shape), device),
    )
}

fn pad_columns(tensor: Tensor<2>, width: usize) -> Tensor<2> {
    let [rows, columns] = tensor.dims();
    if columns >= width {
        return tensor;
    }
    let zeros = Tensor::zeros([rows, width - columns], &tensor.device());
    Tensor::cat(vec![tensor, zeros], 1)
}

fn pad_columns_int(tensor: Tensor<2, Int>, width: usize) -> Tensor<2, Int> {
    let [rows, columns] = tensor.dims();
    if columns >= width {
        return tensor;
    }
    let zeros = Tensor::zeros([rows, width - columns], &tensor.device());
    Tensor::cat(vec![tensor, zeros], 1)
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
    /// Unweighted pairs of token-id sequences: each prompt with its chosen and with its rejected
    /// completion, prompts and completions right-padded with `pad_id` to the longest in the batch
    /// ([`SequenceBatch::from_ids`]). Set [`weights`](Self::weights) on the result for weighted
    /// pairs.
    ///
    /// Refuses an empty batch, an empty prompt and lists of different lengths, naming the row.
    ///
    /// # Shapes
    /// `prompts`, `chosen`, `rejected`: `batch` rows each; both sides of the result hold `batch`
    /// sequences.
    pub fn from_ids(
        prompts: &[Vec<u32>],
        chosen: &[Vec<u32>],
        rejected: &[Vec<u32>],
        pad_id: u32,
        device: &Device,
    ) -> Result<Self, PrefoptError> {
        Ok(Self {
            chosen: SequenceBatch::from_ids(prompts, chosen, pad_id, device)?,
            rejected: SequenceBatch::from_ids(prompts, rejected, pad_id, device)?,
            weights: None,
        })
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.chosen.len()
    }

    /// Whether the batch holds no pair.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
