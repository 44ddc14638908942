//! Batched autoregressive decoding with a key/value cache.

use super::cache::KvCache;
use super::model::CausalLm;
use crate::sampling::sample_next;
use prefopt_core::burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use prefopt_core::{Generation, PrefoptError, SamplingOptions};
use rand::rngs::StdRng;

/// Generates one completion per prompt, calling `on_token(row, token)` for every new token as
/// soon as it is chosen.
///
/// Prompts of different lengths are left-padded into one batch; padding keys are masked out,
/// and since rotary attention depends only on relative positions, each row computes what it
/// would alone. The prompts go through the model once (filling the cache), then one token per
/// step; rows that hit a stop token leave the batch. Tokens are chosen by
/// [`sample_next`] (greedy, temperature, top-k, top-p), rows in order from `rng`.
pub fn generate_streaming(
    model: &CausalLm,
    prompts: &[Vec<u32>],
    options: &SamplingOptions,
    rng: &mut StdRng,
    on_token: &mut dyn FnMut(usize, u32),
) -> Result<Vec<Generation>, PrefoptError> {
    options.validate()?;
    check_prompts(model, prompts, options)?;
    let mut generations: Vec<Generation> = prompts
        .iter()
        .map(|_| Generation {
            tokens: Vec::new(),
            finished: false,
        })
        .collect();
    if prompts.is_empty() {
        return Ok(generations);
    }
    let device = model.embedding.weight.device();
    let width = prompts.iter().map(Vec::len).max().unwrap_or(0);
    let padded = prompts.iter().any(|prompt| prompt.len() < width);
    // Per active row, which cached positions are padding (kept on the host, rebuilt each step).
    let mut padding: Option<Vec<Vec<bool>>> = padded.then(|| left_padding(prompts, width));
    let mut cache = KvCache::new(model.blocks.len());
    let mut active: Vec<usize> = (0..prompts.len()).collect();
    let mut inputs = left_padded_ids(prompts, width, &device);

    for step in 0..options.max_new_tokens {
        let key_padding = padding.as_ref().map(|rows| padding_mask(rows, &device));
        let hidden = model.forward_hidden(inputs, key_padding.as_ref(), Some(&mut cache));
        let [rows, seq, hidden_width] = hidden.dims();
        let last = hidden
            .slice([0..rows, seq - 1..seq, 0..hidden_width])
            .reshape([rows, hidden_width]);
        let tokens = sample_next(model.logits(last), options, rng)?;
        let mut still_active = Vec::with_capacity(active.len());
        for (position, (&row, &token)) in active.iter().zip(&tokens).enumerate() {
            let generation = &mut generations[row];
            generation.tokens.push(token);
            on_token(row, token);
            if options.stop_token_ids.contains(&token) {
                generation.finished = true;
            } else {
                still_active.push((position, row, token));
            }
        }
        if still_active.is_empty() || step + 1 == options.max_new_tokens {
            break;
        }
        if still_active.len() < active.len() {
            let kept: Vec<i64> = still_active
                .iter()
                .map(|&(position, ..)| position as i64)
                .collect();
            let kept =
                Tensor::<1, Int>::from_data(TensorData::new(kept.clone(), [kept.len()]), &device);
            cache.retain_rows(&kept);
        }
        active = still_active.iter().map(|&(_, row, _)| row).collect();
        let next: Vec<i64> = still_active
            .iter()
            .map(|&(_, _, token)| token as i64)
            .collect();
        inputs = Tensor::from_data(TensorData::new(next, [active.len(), 1]), &device);
        padding = padding.map(|rows| {
            still_active
                .iter()
                .map(|&(position, ..)| {
                    let mut row = rows[position].clone();
                    row.push(false);
                    row
                })
                .collect()
        });
    }
    Ok(generations)
}

/// Refuses empty prompts, ids outside the vocabulary and sequences longer than the model's
/// positions.
fn check_prompts(
    model: &CausalLm,
    prompts: &[Vec<u32>],
    options: &SamplingOptions,
) -> Result<(), PrefoptError> {
    let vocab = model.vocab_size();
    for (row, prompt) in prompts.iter().enumerate() {
        if prompt.is_empty() {
            return Err(PrefoptError::Data(format!(
                "prompt {row}: empty; a prompt needs at least one token"
            )));
        }
        if let Some(&id) = prompt.iter().find(|&&id| id as usize >= vocab) {
            return Err(PrefoptError::Data(format!(
                "prompt {row}: token id {id} is outside the model's vocabulary of {vocab}"
            )));
        }
    }
    let width = prompts.iter().map(Vec::len).max().unwrap_or(0);
    if width + options.max_new_tokens > model.max_positions() {
        return Err(PrefoptError::Data(format!(
            "the longest prompt ({width} tokens) plus max_new_tokens ({}) exceeds the model's {} positions",
            options.max_new_tokens,
            model.max_positions()
        )));
    }
    Ok(())
}

/// `[rows, width]` prompt ids, left-padded with token 0.
fn left_padded_ids(prompts: &[Vec<u32>], width: usize, device: &Device) -> Tensor<2, Int> {
    let ids: Vec<i64> = prompts
        .iter()
        .flat_map(|prompt| {
            std::iter::repeat_n(0, width - prompt.len()).chain(prompt.iter().map(|&id| id as i64))
        })
        .collect();
    Tensor::from_data(TensorData::new(ids, [prompts.len(), width]), device)
}

/// Per prompt, `width` flags: `true` on its left padding.
fn left_padding(prompts: &[Vec<u32>], width: usize) -> Vec<Vec<bool>> {
    prompts
        .iter()
        .map(|prompt| {
            (0..width)
                .map(|column| column < width - prompt.len())
                .collect()
        })
        .collect()
}

/// `[rows, len]` key padding mask from per-row flags (`true` = padding).
fn padding_mask(rows: &[Vec<bool>], device: &Device) -> Tensor<2, Bool> {
    let len = rows.first().map_or(0, Vec::len);
    let flags: Vec<bool> = rows.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flags, [rows.len(), len]), device)
}
