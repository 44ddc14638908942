//! Choosing the next token from a language model's last-position logits, as Hugging Face's
//! `generate` does: greedy at temperature 0; otherwise temperature, top-k, top-p (nucleus,
//! Holtzman et al. 2020, arXiv:1904.09751) and a seeded categorical draw.
//!
//! The logits are read to the host once and each `[vocab]` row is processed there: a row is
//! 49,152 floats for SmolLM2, and top-p needs a sort of the candidates, which is cheaper as a
//! partial host sort than as device round trips per step.

mod draw;
mod error;
mod warpers;

pub use draw::{argmax, draw};
pub use error::SamplingError;
pub use warpers::{Candidate, scaled_candidates, softmax, top_k, top_p};

use prefopt_core::SamplingOptions;
use prefopt_core::burn::tensor::Tensor;
use rand::rngs::StdRng;

/// The next token of each row of `logits`, chosen as `options` say (after `options.validate()`).
///
/// Rows are drawn in order from `rng`, one uniform number per row when sampling (none when
/// greedy), so the same seed gives the same tokens.
///
/// # Shapes
/// `logits`: `[batch, vocab]`, the last-position logits; returns `batch` token ids.
pub fn sample_next(
    logits: Tensor<2>,
    options: &SamplingOptions,
    rng: &mut StdRng,
) -> Result<Vec<u32>, SamplingError> {
    options.validate()?;
    let shape = logits.dims();
    let values = logits
        .into_data()
        .try_into_vec_as::<f32>()
        .map_err(|e| SamplingError::Read {
            shape,
            message: format!("{e:?}"),
        })?;
    let [_, vocab] = shape;
    if vocab == 0 {
        return Err(SamplingError::NoFiniteLogit { row: 0, vocab });
    }
    values
        .chunks_exact(vocab)
        .enumerate()
        .map(|(row, logits)| sample_row(row, logits, options, rng))
        .collect()
}

/// The next token of one row of logits (`row` is named in errors); see [`sample_next`].
pub fn sample_row(
    row: usize,
    logits: &[f32],
    options: &SamplingOptions,
    rng: &mut StdRng,
) -> Result<u32, SamplingError> {
    if let Some(token) = logits.iter().position(|l| l.is_nan()) {
        return Err(SamplingError::NanLogit { row, token });
    }
    let no_token = || SamplingError::NoFiniteLogit {
        row,
        vocab: logits.len(),
    };
    if options.is_greedy() {
        return argmax(logits).ok_or_else(no_token);
    }
    let candidates = next_token_candidates(logits, options);
    if candidates.is_empty() {
        return Err(no_token());
    }
    Ok(draw(&candidates, rng))
}

/// The tokens the warpers of `options` leave for a row of logits (not NaN), with their warped
/// logits; their softmax ([`softmax`]) is the distribution a token is drawn from. Greedy options
/// leave the argmax alone.
pub fn next_token_candidates(logits: &[f32], options: &SamplingOptions) -> Vec<Candidate> {
    if options.is_greedy() {
        return argmax(logits)
            .map(|token| Candidate { token, logit: 0.0 })
            .into_iter()
            .collect();
    }
    let mut candidates = scaled_candidates(logits, options.temperature);
    if let Some(k) = options.top_k {
        top_k(&mut candidates, k);
    }
    if let Some(p) = options.top_p {
        top_p(&mut candidates, p);
    }
    candidates
}

#[cfg(test)]
mod tests;
