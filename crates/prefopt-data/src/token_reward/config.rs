//! The `[task] type = "token_reward"` config.

use super::task::TokenRewardTask;
use prefopt_core::{ConfigError, PrefoptError, Task, TaskConfig, plugin};
use serde::{Deserialize, Serialize};

/// A prompt task for language models with a programmatic reward (`[task] type =
/// "token_reward"`): `prompts` seeded prompts of `prompt_length` token ids, and the true reward
/// of a completion
///
/// `r(x, y) = |{t : y_t in S}| / |{t : y_t not a stop token}|`,
///
/// the fraction of its tokens (stop tokens left out) that fall in the rewarded set `S`
/// (`rewarded_tokens`, or `rewarded` ids drawn with the seed); 0 for a completion of stop tokens
/// only. The reward is in [0, 1], so the RLHF optimum at KL coefficient beta stays within
/// `KL(pi* || pi_ref) <= (1 - E_ref[r]) / beta` of the reference.
///
/// Ids are drawn from `[first_token, vocab_size)`; ids below `first_token` are the model's
/// special tokens (the tiny test model's padding 0, BOS 1 and EOS 2 with the defaults). The
/// task also gives `pairs` seeded preference pairs for reward models: two completions of the
/// same prompt, each of 1 to `completion_length` tokens drawn with its own rate of rewarded
/// tokens, the one of higher true reward chosen (the better completion always wins), a stop
/// token appended to both; `eval_fraction` of them are held out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenRewardConfig {
    /// Distinct prompts.
    pub prompts: usize,
    /// Token ids per prompt.
    pub prompt_length: usize,
    /// Ids are below this (the policy's vocabulary size).
    pub vocab_size: usize,
    /// Ids are at least this (the ids below are special tokens).
    pub first_token: u32,
    /// The rewarded set S; empty: `rewarded` ids drawn with the seed.
    pub rewarded_tokens: Vec<u32>,
    /// The size of a drawn rewarded set.
    pub rewarded: usize,
    /// Tokens that end a completion (EOS): not counted in the reward, appended to the pairs'
    /// completions.
    pub stop_tokens: Vec<u32>,
    /// Seeded preference pairs for reward models.
    pub pairs: usize,
    /// The longest completion of a pair, in tokens (before the stop token).
    pub completion_length: usize,
    /// The fraction of pairs held out, in [0, 1).
    pub eval_fraction: f64,
}

impl Default for TokenRewardConfig {
    /// Sized for the tiny test model of `prefopt-models` (`CausalLmConfig::tiny`: 64 ids,
    /// EOS 2).
    fn default() -> Self {
        Self {
            prompts: 16,
            prompt_length: 4,
            vocab_size: 64,
            first_token: 3,
            rewarded_tokens: Vec::new(),
            rewarded: 8,
            stop_tokens: vec![2],
            pairs: 256,
            completion_length: 8,
            eval_fraction: 0.1,
        }
    }
}

impl TokenRewardConfig {
    /// The number of ids prompts and completions are drawn from.
    pub fn id_range(&self) -> usize {
        self.vocab_size.saturating_sub(self.first_token as usize)
    }
}

#[plugin(
    name = "token_reward",
    summary = "Seeded token-id prompts for language models; reward = the fraction of completion tokens in a set (known ground truth), with labelled pairs for reward models",
    paper = "arXiv:1909.08593"
)]
impl TaskConfig for TokenRewardConfig {
    fn build(&self, seed: u64) -> Result<Box<dyn Task>, PrefoptError> {
        self.validate()?;
        Ok(Box::new(TokenRewardTask::new(self, seed)?))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        for (field, value) in [
            ("prompts", self.prompts),
            ("prompt_length", self.prompt_length),
            ("pairs", self.pairs),
            ("completion_length", self.completion_length),
        ] {
            if value == 0 {
                return Err(ConfigError::new(field, "must be at least 1"));
            }
        }
        if self.id_range() < 2 {
            return Err(ConfigError::new(
                "vocab_size",
                format!(
                    "{} leaves fewer than 2 ids at or above first_token = {}: expected \
                     vocab_size > first_token + 1",
                    self.vocab_size, self.first_token
                ),
            ));
        }
        let in_range = |id: u32| id >= self.first_token && (id as usize) < self.vocab_size;
        if self.rewarded_tokens.is_empty() {
            if self.rewarded == 0 || self.rewarded >= self.id_range() {
                return Err(ConfigError::new(
                    "rewarded",
                    format!(
                        "{} rewarded ids out of {}: expected at least 1 and fewer than all \
                         (some completion must be better than another)",
                        self.rewarded,
                        self.id_range()
                    ),
                ));
            }
        } else {
            if let Some(id) = self.rewarded_tokens.iter().find(|&&id| !in_range(id)) {
                return Err(ConfigError::new(
                    "rewarded_tokens",
                    format!(
                        "id {id} is outside [first_token, vocab_size) = [{}, {})",
                        self.first_token, self.vocab_size
                    ),
                ));
            }
            let mut distinct = self.rewarded_tokens.clone();
            distinct.sort_unstable();
            distinct.dedup();
            if distinct.len() >= self.id_range() {
                return Err(ConfigError::new(
                    "rewarded_tokens",
                    "covers every id: some completion must be better than another",
                ));
            }
        }
        if let Some(id) = self
            .stop_tokens
            .iter()
            .find(|&&id| id as usize >= self.vocab_size)
        {
            return Err(ConfigError::new(
                "stop_tokens",
                format!("id {id} is outside the vocabulary of {}", self.vocab_size),
            ));
        }
        if let Some(id) = self
            .stop_tokens
            .iter()
            .find(|id| self.rewarded_tokens.contains(id))
        {
            return Err(ConfigError::new(
                "stop_tokens",
                format!("id {id} is also rewarded; stop tokens are not counted in the reward"),
            ));
        }
        if !(0.0..1.0).contains(&self.eval_fraction) {
            return Err(ConfigError::new(
                "eval_fraction",
                format!("must be in [0, 1), got {}", self.eval_fraction),
            ));
        }
        Ok(())
    }
}
