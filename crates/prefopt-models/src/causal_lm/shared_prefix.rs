//! Log-probs of preference pairs with each prompt run once for both of its completions.

use super::logps::logsumexp_rows;
use super::model::CausalLm;
use super::pair_layout::PairLayout;
use prefopt_core::burn::tensor::{Device, Int, Tensor, TensorData};
use prefopt_core::{PreferenceBatch, concat_pair_sequence_logps, masked_sum};

/// How a causal LM scores the two completions of a preference pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairForward {
    /// `[chosen; rejected]` as one batch of `2B` full sequences: each prompt runs twice.
    Concatenated,
    /// Each prompt runs once and both completions attend to its keys and values
    /// ([`shared_prefix_token_logps`]) where that runs fewer positions than the concatenated
    /// batch and the prompts of each pair are the same; otherwise the concatenated batch.
    SharedPrefix,
}

/// `log pi(y_t | x, y_<t)` at every completion token of the chosen and the rejected side of
/// `batch`, each pair's prompt run through the model once.
///
/// The prompts, left-padded to a common width `P` (padding keys hidden by an additive `-inf`
/// bias), go through every block once, keeping each block's rotated keys and values (under
/// autodiff: the gradients of both completions flow back into the prompt's computation). The
/// `2B` completions (chosen rows, then rejected) then run as one batch starting at rotary
/// position `P`, each attending to its prompt's keys and values and causally to its own;
/// since rotary attention depends only on relative positions, every row computes what it
/// would in `[prompt; completion]` alone. The first completion token is predicted by the
/// prompt's last position. As in [`token_logps`](super::token_logps), the final norm, the head
/// and the log-sum-exp run only at the positions that predict completion tokens.
///
/// Returns `None` where this does not apply: the two prompts of a pair differ, a prompt is
/// empty, a token id is outside the vocabulary, or the padded prompt and completions exceed
/// the model's positions; the concatenated forward then serves (and reports the last three). Computed on the model's device; the results are on the
/// batch's device.
///
/// # Shapes
/// Returns `[pairs, chosen completion_len]` and `[pairs, rejected completion_len]`, 0 on
/// padding.
pub fn shared_prefix_token_logps(
    model: &CausalLm,
    batch: &PreferenceBatch,
) -> Option<(Tensor<2>, Tensor<2>)> {
    let layout = PairLayout::new(batch, model.vocab_size(), model.max_positions())?;
    Some(layout_token_logps(
        model,
        &layout,
        &batch.chosen.completions.device(),
    ))
}

/// The summed log-probs of both sides of `batch` as `forward` says: the concatenated batch
/// through `concat` (the model's [`sequence_logps`](prefopt_core::Policy::sequence_logps)),
/// or the shared-prefix forward where it applies and runs fewer positions.
///
/// # Shapes
/// `[pairs]` twice: chosen, then rejected.
pub fn pair_sequence_logps(
    model: &CausalLm,
    batch: &PreferenceBatch,
    forward: PairForward,
    concat: impl FnOnce(&prefopt_core::SequenceBatch) -> Tensor<1>,
) -> (Tensor<1>, Tensor<1>) {
    if forward == PairForward::SharedPrefix
        && let Some(layout) = PairLayout::new(batch, model.vocab_size(), model.max_positions())
        && layout.shared_positions() < layout.concat_positions
    {
        let device = batch.chosen.completions.device();
        let (chosen, rejected) = layout_token_logps(model, &layout, &device);
        return (
            masked_sum(chosen, &batch.chosen.completion_mask),
            masked_sum(rejected, &batch.rejected.completion_mask),
        );
    }
    concat_pair_sequence_logps(batch, concat)
}

/// The per-token log-probs of both sides of `batch` through the shared-prefix forward, where
/// `forward` asks for it, it applies ([`shared_prefix_token_logps`]) and it runs fewer
/// positions than the concatenated batch; `None` otherwise.
///
/// # Shapes
/// `[pairs, chosen completion_len]` and `[pairs, rejected completion_len]`, 0 on padding.
pub fn shared_pair_token_logps(
    model: &CausalLm,
    batch: &PreferenceBatch,
    forward: PairForward,
) -> Option<(Tensor<2>, Tensor<2>)> {
    if forward != PairForward::SharedPrefix {
        return None;
    }
    let layout = PairLayout::new(batch, model.vocab_size(), model.max_positions())?;
    (layout.shared_positions() < layout.concat_positions)
        .then(|| layout_token_logps(model, &layout, &batch.chosen.completions.device()))
}

fn layout_token_logps(
    model: &CausalLm,
    layout: &PairLayout,
    out_device: &Device,
) -> (Tensor<2>, Tensor<2>) {
    let device = model.embedding.weight.device();
    let (pairs, prompt_width) = (layout.pairs, layout.prompt_width);
    let completion_width = layout.completion_width;
    let ids = |values: &[i64], shape: [usize; 2]| {
        Tensor::<2, Int>::from_data(TensorData::new(values.to_vec(), shape), &device)
    };
    let prompt_bias = Tensor::<4>::from_data(
        TensorData::new(
            layout.prompt_bias.clone(),
            [pairs, 1, prompt_width, prompt_width],
        ),
        &device,
    );
    let mut x = model
        .embedding
        .forward(ids(&layout.prompt_ids, [pairs, prompt_width]));
    let mut past = Vec::with_capacity(model.blocks.len());
    let last_block = model.blocks.len().saturating_sub(1);
    for (index, block) in model.blocks.iter().enumerate() {
        // The last block's output is read at the prompt's last position only (it predicts the
        // first completion token); its keys and values still cover the whole prompt.
        let (bias, queries_from) = if index == last_block {
            let last_row = prompt_bias.clone().slice([
                0..pairs,
                0..1,
                prompt_width - 1..prompt_width,
                0..prompt_width,
            ]);
            (last_row, prompt_width - 1)
        } else {
            (prompt_bias.clone(), 0)
        };
        let (next, keys, values) =
            block.forward_with_past(x, &model.rope, 0, None, &bias, queries_from);
        x = next;
        past.push((keys, values));
    }
    let hidden_width = x.dims()[2];
    let last = x.dims()[1] - 1;
    let mut states = vec![
        x.slice([0..pairs, last..last + 1, 0..hidden_width])
            .reshape([pairs, hidden_width]),
    ];
    if completion_width > 0 {
        let rows = 2 * pairs;
        let bias = Tensor::<4>::from_data(
            TensorData::new(
                layout.completion_bias.clone(),
                [rows, 1, completion_width, prompt_width + completion_width],
            ),
            &device,
        );
        let mut x = model
            .embedding
            .forward(ids(&layout.completion_ids, [rows, completion_width]));
        for (block, (keys, values)) in model.blocks.iter().zip(past) {
            let both = |t: Tensor<4>| Tensor::cat(vec![t.clone(), t], 0);
            let past = Some((both(keys), both(values)));
            x = block
                .forward_with_past(x, &model.rope, prompt_width, past, &bias, 0)
                .0;
        }
        states.push(x.reshape([rows * completion_width, hidden_width]));
    }
    let count = 2 * pairs * layout.target_width;
    let gather = |values: &[i64]| {
        Tensor::<1, Int>::from_data(TensorData::new(values.to_vec(), [count]), &device)
    };
    let predicting = model
        .norm
        .forward(Tensor::cat(states, 0).select(0, gather(&layout.predicting)));
    let logits = model.logits(predicting);
    let target_logits = logits
        .clone()
        .gather(1, gather(&layout.targets).reshape([count, 1]));
    let mask = Tensor::<1>::from_data(TensorData::new(layout.mask.clone(), [count]), &device);
    let logps = ((target_logits - logsumexp_rows(logits)).reshape([count]) * mask)
        .reshape([2 * pairs, layout.target_width])
        .to_device(out_device);
    let [chosen_width, rejected_width] = layout.side_widths;
    (
        logps.clone().slice([0..pairs, 0..chosen_width]),
        logps.slice([pairs..2 * pairs, 0..rejected_width]),
    )
}
