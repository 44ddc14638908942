//! Sampling completions from a policy: the options and what comes back.

use crate::ConfigError;
use serde::{Deserialize, Serialize};

/// How a policy samples completions (the decoding settings of Hugging Face's `generate`).
///
/// Greedy when `temperature` is 0; otherwise the next-token logits are divided by `temperature`,
/// restricted to the `top_k` most likely tokens, then to the smallest set whose probability
/// reaches `top_p` (nucleus sampling, Holtzman et al. 2020, arXiv:1904.09751, §3.1), and a token is
/// drawn from what remains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SamplingOptions {
    /// The most tokens generated after each prompt.
    pub max_new_tokens: usize,
    /// Softmax temperature; 0 picks the most likely token (greedy decoding).
    pub temperature: f64,
    /// Keep only the k most likely tokens (none: all).
    pub top_k: Option<usize>,
    /// Keep the smallest set of tokens whose probability reaches p, in (0, 1] (none: all).
    pub top_p: Option<f64>,
    /// Generation of a sequence stops after any of these tokens (usually the tokenizer's EOS).
    pub stop_token_ids: Vec<u32>,
}

impl Default for SamplingOptions {
    fn default() -> Self {
        Self {
            max_new_tokens: 64,
            temperature: 1.0,
            top_k: None,
            top_p: None,
            stop_token_ids: Vec::new(),
        }
    }
}

impl SamplingOptions {
    /// Greedy decoding of up to `max_new_tokens` tokens.
    pub fn greedy(max_new_tokens: usize) -> Self {
        Self {
            max_new_tokens,
            temperature: 0.0,
            ..Self::default()
        }
    }

    /// Whether decoding is greedy (temperature 0).
    pub fn is_greedy(&self) -> bool {
        self.temperature == 0.0
    }

    /// Rejects values sampling cannot use, naming the field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_new_tokens == 0 {
            return Err(ConfigError::new("max_new_tokens", "must be at least 1"));
        }
        if !self.temperature.is_finite() || self.temperature < 0.0 {
            return Err(ConfigError::new(
                "temperature",
                format!(
                    "must be a finite number >= 0 (0 = greedy), got {}",
                    self.temperature
                ),
            ));
        }
        if self.top_k == Some(0) {
            return Err(ConfigError::new(
                "top_k",
                "must be at least 1 (leave it out to keep all tokens)",
            ));
        }
        if let Some(p) = self.top_p
            && !(p > 0.0 && p <= 1.0)
        {
            return Err(ConfigError::new(
                "top_p",
                format!("must be in (0, 1], got {p}"),
            ));
        }
        Ok(())
    }
}

/// One sampled completion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generation {
    /// The new tokens, the stop token included when one was hit.
    pub tokens: Vec<u32>,
    /// Whether generation stopped on a stop token (false: it reached `max_new_tokens`).
    pub finished: bool,
}
