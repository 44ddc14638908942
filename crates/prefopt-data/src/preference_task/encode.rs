//! Rendered text to token ids, as TRL's DPO trainer tokenizes: the prompt alone, then prompt +
//! completion, the completion being what follows the prompt's ids.

use super::render::Rendered;
use prefopt_core::{PrefoptError, TextTokenizer};

/// A prompt and its completions as token ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The prompt's ids.
    pub prompt: Vec<u32>,
    /// Each completion's ids.
    pub completions: Vec<Vec<u32>>,
    /// How many completions were encoded on their own because the ids of prompt + completion did
    /// not start with the prompt's ids (a merge across the boundary).
    pub boundary_merges: usize,
}

/// Token ids of `rendered`.
///
/// As TRL (1.x) `DPOTrainer._prepare_dataset` does: the prompt is encoded alone and then with
/// each completion, and the completion's ids are those after the prompt's. Text is encoded with
/// the tokenizer's special tokens (BOS where it adds one), chat-template text without (the
/// template writes its own). Where a merge across the boundary makes prompt + completion not
/// start with the prompt's ids (TRL then only warns), the completion is encoded on its own, so
/// that the prompt's ids followed by the completion's always spell the text.
///
/// When `eos` is given, text completions get it appended unless they already end with it
/// (TRL's `add_eos`); chat-template completions end with the template's end of turn instead.
pub fn encode(
    tokenizer: &dyn TextTokenizer,
    rendered: &Rendered,
    eos: Option<u32>,
) -> Result<Encoded, PrefoptError> {
    let special = !rendered.chat;
    let prompt = tokenizer.encode(&rendered.prompt, special)?;
    let mut boundary_merges = 0;
    let mut completions = Vec::with_capacity(rendered.completions.len());
    for completion in &rendered.completions {
        let full = tokenizer.encode(&format!("{}{completion}", rendered.prompt), special)?;
        let mut ids = if full.starts_with(&prompt) {
            full[prompt.len()..].to_vec()
        } else {
            boundary_merges += 1;
            tokenizer.encode(completion, false)?
        };
        if !rendered.chat
            && let Some(eos) = eos
            && ids.last() != Some(&eos)
        {
            ids.push(eos);
        }
        completions.push(ids);
    }
    Ok(Encoded {
        prompt,
        completions,
        boundary_merges,
    })
}
