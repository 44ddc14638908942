//! Truncation as TRL's DPO and KTO trainers do it: the prompt loses its start, a completion its
//! end, and an example whose prompt fills the whole length is unusable.

use super::limit::TokenLimit;

/// TRL's `max_length` default (`DPOConfig`, `KTOConfig`).
pub const DEFAULT_MAX_LENGTH: usize = 1024;

/// TRL's `max_prompt_length` default (`DPOConfig` up to TRL 0.27, `KTOConfig`).
pub const DEFAULT_MAX_PROMPT_LENGTH: usize = 512;

/// The three limits on a tokenized example.
///
/// In this order (TRL 0.27's `DPOTrainer.tokenize_row`, then the `keep_start` truncation of
/// the full sequence that TRL's collators apply and TRL 1.x makes the default):
/// 1. the prompt keeps its last `max_prompt_length` tokens (`prompt_ids[-max_prompt_length:]`);
/// 2. each completion keeps its first `max_completion_length` tokens;
/// 3. each prompt + completion keeps its first `max_length` tokens, so the completion keeps its
///    first `max_length - prompt_len` tokens. A prompt of `max_length` tokens or more leaves no
///    room for the completion: TRL drops such examples; here they are bad examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncation {
    /// Longest prompt + completion.
    pub max_length: TokenLimit,
    /// Longest prompt (its end is kept).
    pub max_prompt_length: TokenLimit,
    /// Longest completion before `max_length` applies (its start is kept).
    pub max_completion_length: TokenLimit,
}

/// A prompt that leaves no room for a completion under `max_length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoRoom {
    /// The prompt's tokens after its own truncation.
    pub prompt_tokens: usize,
    /// The `max_length` it fills.
    pub max_length: usize,
}

impl Truncation {
    /// Keeps the last `max_prompt_length` tokens of `prompt`; returns whether any were cut.
    pub fn prompt(&self, prompt: &mut Vec<u32>) -> bool {
        match self.max_prompt_length.get() {
            Some(keep) if prompt.len() > keep => {
                prompt.drain(..prompt.len() - keep);
                true
            }
            _ => false,
        }
    }

    /// Keeps the start of `completion` that fits after a prompt of `prompt_tokens` tokens;
    /// returns whether any were cut, or [`NoRoom`] when the prompt fills `max_length`.
    pub fn completion(
        &self,
        prompt_tokens: usize,
        completion: &mut Vec<u32>,
    ) -> Result<bool, NoRoom> {
        let room = match self.max_length.get() {
            Some(max_length) if prompt_tokens >= max_length => {
                return Err(NoRoom {
                    prompt_tokens,
                    max_length,
                });
            }
            Some(max_length) => max_length - prompt_tokens,
            None => usize::MAX,
        };
        let keep = self
            .max_completion_length
            .get()
            .unwrap_or(usize::MAX)
            .min(room);
        if completion.len() > keep {
            completion.truncate(keep);
            Ok(true)
        } else {
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_length: usize, max_prompt: usize, max_completion: Option<usize>) -> Truncation {
        Truncation {
            max_length: TokenLimit::Tokens(max_length),
            max_prompt_length: TokenLimit::Tokens(max_prompt),
            max_completion_length: max_completion.map_or(TokenLimit::Unlimited, TokenLimit::Tokens),
        }
    }

    #[test]
    fn the_prompt_keeps_its_end_and_the_completion_its_start() {
        let rules = limits(6, 3, None);
        let mut prompt = vec![1, 2, 3, 4, 5];
        assert!(rules.prompt(&mut prompt));
        assert_eq!(prompt, [3, 4, 5]);
        let mut completion = vec![10, 11, 12, 13, 14];
        assert_eq!(rules.completion(prompt.len(), &mut completion), Ok(true));
        assert_eq!(completion, [10, 11, 12]);
        let mut short = vec![10, 11];
        assert_eq!(rules.completion(prompt.len(), &mut short), Ok(false));
        assert_eq!(short, [10, 11]);
    }

    #[test]
    fn max_completion_length_cuts_first() {
        let rules = limits(100, 50, Some(2));
        let mut completion = vec![7, 8, 9];
        assert_eq!(rules.completion(4, &mut completion), Ok(true));
        assert_eq!(completion, [7, 8]);
    }

    #[test]
    fn a_prompt_that_fills_max_length_leaves_no_room() {
        let rules = limits(4, 10, None);
        let mut completion = vec![1];
        assert_eq!(
            rules.completion(4, &mut completion),
            Err(NoRoom {
                prompt_tokens: 4,
                max_length: 4
            })
        );
        assert_eq!(rules.completion(3, &mut completion), Ok(false));
    }

    #[test]
    fn unlimited_keeps_everything() {
        let rules = Truncation {
            max_length: TokenLimit::Unlimited,
            max_prompt_length: TokenLimit::Unlimited,
            max_completion_length: TokenLimit::Unlimited,
        };
        let mut prompt: Vec<u32> = (0..5000).collect();
        assert!(!rules.prompt(&mut prompt));
        let mut completion: Vec<u32> = (0..5000).collect();
        assert_eq!(rules.completion(prompt.len(), &mut completion), Ok(false));
        assert_eq!((prompt.len(), completion.len()), (5000, 5000));
    }
}
