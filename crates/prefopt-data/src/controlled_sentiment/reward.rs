//! The task's true reward: VADER's compound score of the decoded text.

use super::config::Scored;
use super::vader::Vader;
use prefopt_core::burn::tensor::{Int, Tensor, TensorData};
use prefopt_core::{PrefoptError, RewardModel, SequenceBatch, TextTokenizer};
use std::fmt;
use std::sync::Arc;

/// `r(x, y) = compound(decode(y))` (or `compound(decode(x) + decode(y))` when the prompt is
/// scored too), VADER's compound sentiment score in [-1, 1] (Hutto & Gilbert 2014): a fixed,
/// deterministic function of the text, positive for positive sentiment. Special tokens (EOS)
/// and ids outside the tokenizer's vocabulary (a model's vocabulary may be larger) have no text
/// and are left out.
#[derive(Clone)]
pub struct VaderReward {
    vader: Arc<Vader>,
    tokenizer: Arc<dyn TextTokenizer>,
    scored: Scored,
}

impl fmt::Debug for VaderReward {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaderReward")
            .field("lexicon", &self.vader.lexicon_len())
            .field("tokenizer", &self.tokenizer)
            .field("scored", &self.scored)
            .finish()
    }
}

impl VaderReward {
    /// The reward of `vader` on text decoded with `tokenizer`.
    pub fn new(vader: Arc<Vader>, tokenizer: Arc<dyn TextTokenizer>, scored: Scored) -> Self {
        Self {
            vader,
            tokenizer,
            scored,
        }
    }

    /// The scorer.
    pub fn vader(&self) -> &Vader {
        &self.vader
    }

    /// The text of `ids`: special tokens skipped, ids outside the vocabulary dropped.
    ///
    /// # Errors
    /// When the tokenizer cannot decode the ids.
    pub fn decode(&self, ids: &[u32]) -> Result<String, PrefoptError> {
        let known: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|&id| (id as usize) < self.tokenizer.vocab_size())
            .collect();
        self.tokenizer.decode(&known, true)
    }

    /// The reward of one (prompt, completion) of token ids (no padding).
    ///
    /// # Errors
    /// When the tokenizer cannot decode the ids.
    pub fn of(&self, prompt: &[u32], completion: &[u32]) -> Result<f64, PrefoptError> {
        let text = match self.scored {
            Scored::Completion => self.decode(completion)?,
            Scored::PromptAndCompletion => {
                let both: Vec<u32> = prompt.iter().chain(completion).copied().collect();
                self.decode(&both)?
            }
        };
        Ok(self.vader.compound(&text))
    }
}

/// The unpadded ids of each row of `ids` (`[rows, width]`) under `mask`.
fn rows(ids: &Tensor<2, Int>, mask: &Tensor<2>) -> Vec<Vec<u32>> {
    let [count, width] = ids.dims();
    let ids: Vec<i64> = ids
        .clone()
        .into_data()
        .convert::<i64>()
        .try_to_vec::<i64>()
        .expect("integer token ids");
    let mask: Vec<f32> = mask
        .clone()
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32 mask");
    (0..count)
        .map(|row| {
            (0..width)
                .filter(|&t| mask[row * width + t] > 0.0)
                .map(|t| ids[row * width + t] as u32)
                .collect()
        })
        .collect()
}

impl RewardModel for VaderReward {
    /// Computed on the host from the decoded ids.
    ///
    /// # Shapes
    /// `batch` of `rows` sequences; returns `[rows]` on the batch's device.
    ///
    /// # Panics
    /// When the tokenizer cannot decode a row (ids outside its vocabulary are dropped first, so
    /// a byte-level tokenizer always can).
    fn score(&self, batch: &SequenceBatch) -> Tensor<1> {
        let prompts = rows(&batch.prompts, &batch.prompt_mask);
        let completions = rows(&batch.completions, &batch.completion_mask);
        let scores: Vec<f32> = prompts
            .iter()
            .zip(&completions)
            .map(|(prompt, completion)| {
                self.of(prompt, completion)
                    .unwrap_or_else(|error| panic!("the true reward cannot decode a row: {error}"))
                    as f32
            })
            .collect();
        let count = scores.len();
        Tensor::from_data(TensorData::new(scores, [count]), &batch.prompts.device())
    }
}
