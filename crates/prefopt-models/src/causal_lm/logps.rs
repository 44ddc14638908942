//! Per-token completion log-probs of a batch, from one forward pass.

use super::model::CausalLm;
use prefopt_core::SequenceBatch;
use prefopt_core::burn::tensor::{Int, Tensor, TensorData};

/// `log pi(y_t | x, y_<t)` for every completion token of `batch`, 0 on completion padding.
///
/// Row `i` is read as its real prompt tokens followed by its real completion tokens (lengths
/// from the masks, which must mark a prefix of each row), right-padded: one causal forward
/// pass of the whole batch. Logits are computed only at the positions that predict completion
/// tokens, and `log softmax` as `logit - logsumexp(logits)` there, so no
/// `[batch, length, vocab]` tensor exists. Computed on the model's device; the result is on the
/// batch's device.
///
/// # Panics
/// When a row has no prompt token, a token id is outside the vocabulary, or a row is longer
/// than the model's positions (the data pipeline truncates before this point).
///
/// # Shapes
/// * `batch.prompts`, `batch.prompt_mask`: `[batch, prompt_len]`
/// * `batch.completions`, `batch.completion_mask`: `[batch, completion_len]`
/// * returns `[batch, completion_len]`
pub fn token_logps(model: &CausalLm, batch: &SequenceBatch) -> Tensor<2> {
    let device = model.embedding.weight.device();
    let [rows, completion_len] = batch.completions.dims();
    let layout = SequenceLayout::new(batch, model.vocab_size());
    let ids = Tensor::<2, Int>::from_data(
        TensorData::new(layout.input_ids, [rows, layout.width]),
        &device,
    );
    let hidden = model.forward_hidden(ids, None, None);
    let hidden_width = hidden.dims()[2];
    let count = rows * completion_len;
    let gather =
        |values: Vec<i64>| Tensor::<1, Int>::from_data(TensorData::new(values, [count]), &device);
    let predicting = hidden
        .reshape([rows * layout.width, hidden_width])
        .select(0, gather(layout.predicting_positions));
    let logits = model.logits(predicting);
    let targets = gather(layout.targets).reshape([count, 1]);
    let target_logits = logits.clone().gather(1, targets);
    let logps = (target_logits - logsumexp_rows(logits)).reshape([rows, completion_len]);
    let mask = batch.completion_mask.clone().to_device(&device);
    (logps * mask).to_device(&batch.completions.device())
}

/// `log sum_j exp(x_ij)` per row, shifted by the (detached) row maximum for stability.
///
/// # Shapes
/// `[rows, columns]` -> `[rows, 1]`
pub fn logsumexp_rows(x: Tensor<2>) -> Tensor<2> {
    let max = x.clone().max_dim(1).detach();
    (x - max.clone()).exp().sum_dim(1).log() + max
}

/// Where each row's tokens go in the packed, right-padded input.
struct SequenceLayout {
    /// The input width: the longest prompt + completion, less the last completion token
    /// (it predicts nothing).
    width: usize,
    /// `[rows * width]` input ids (padding: token 0, never attended to by real positions).
    input_ids: Vec<i64>,
    /// `[rows * completion_len]` flat positions whose hidden state predicts each completion
    /// token (0 on padding).
    predicting_positions: Vec<i64>,
    /// `[rows * completion_len]` completion ids (0 on padding).
    targets: Vec<i64>,
}

impl SequenceLayout {
    fn new(batch: &SequenceBatch, vocab: usize) -> Self {
        let lengths = batch.lengths();
        let prompts = host_ids(&batch.prompts);
        let completions = host_ids(&batch.completions);
        let prompt_width = batch.prompts.dims()[1];
        let completion_width = batch.completions.dims()[1];
        let width = lengths
            .iter()
            .map(|&(prompt, completion)| prompt + completion.saturating_sub(1))
            .max()
            .unwrap_or(1)
            .max(1);
        let mut layout = Self {
            width,
            input_ids: Vec::with_capacity(lengths.len() * width),
            predicting_positions: Vec::with_capacity(lengths.len() * completion_width),
            targets: Vec::with_capacity(lengths.len() * completion_width),
        };
        for (row, &(prompt_len, completion_len)) in lengths.iter().enumerate() {
            assert!(
                prompt_len >= 1,
                "sequence {row}: empty prompt; a prompt needs at least one token"
            );
            let prompt = &prompts[row * prompt_width..row * prompt_width + prompt_len];
            let completion = &completions[row * completion_width..][..completion_width];
            let mut real_tokens = prompt.iter().chain(&completion[..completion_len]);
            if let Some(&id) = real_tokens.find(|&&id| id < 0 || id as usize >= vocab) {
                panic!(
                    "sequence {row}: token id {id} is outside the model's vocabulary of {vocab}"
                );
            }
            let used = prompt_len + completion_len.saturating_sub(1);
            layout.input_ids.extend_from_slice(prompt);
            layout
                .input_ids
                .extend_from_slice(&completion[..completion_len.saturating_sub(1)]);
            layout
                .input_ids
                .extend(std::iter::repeat_n(0, width - used));
            for (t, &token) in completion.iter().enumerate() {
                let real = t < completion_len;
                let position = row * width + prompt_len + t - 1;
                layout
                    .predicting_positions
                    .push(if real { position as i64 } else { 0 });
                layout.targets.push(if real { token } else { 0 });
            }
        }
        layout
    }
}

/// The ids of an integer tensor, row-major, on the host.
pub(super) fn host_ids(ids: &Tensor<2, Int>) -> Vec<i64> {
    ids.clone()
        .into_data()
        .try_into_vec_as::<i64>()
        .expect("integer token ids convert to i64")
}
