//! Records to tokenized examples: rendered, encoded, truncated and checked.

use super::encode::encode;
use super::render::render;
use super::truncate::{NoRoom, Truncation};
use crate::preference_file::{
    Content, PreferenceFileError, PreferenceRecord, RecordLocation, UnpairedRecord,
};
use prefopt_core::TextTokenizer;
use std::path::Path;

/// One preference pair as token ids, truncated.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenizedPair {
    /// Where the record is in its file.
    pub at: RecordLocation,
    /// The prompt's ids.
    pub prompt: Vec<u32>,
    /// The chosen completion's ids.
    pub chosen: Vec<u32>,
    /// The rejected completion's ids.
    pub rejected: Vec<u32>,
    /// The record's `weight`, if it has one.
    pub weight: Option<f32>,
}

/// One unpaired completion as token ids, truncated.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenizedUnpaired {
    /// Where the record is in its file.
    pub at: RecordLocation,
    /// The prompt's ids.
    pub prompt: Vec<u32>,
    /// The completion's ids.
    pub completion: Vec<u32>,
    /// Whether the completion is desirable (`label`).
    pub desirable: bool,
    /// The record's `weight`, if it has one.
    pub weight: Option<f32>,
}

/// What tokenizing the records did, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenizeCounts {
    /// Prompts that lost their start to `max_prompt_length`.
    pub truncated_prompts: usize,
    /// Completions that lost their end to `max_completion_length` or `max_length`.
    pub truncated_completions: usize,
    /// Completions encoded on their own because of a merge across the prompt boundary.
    pub boundary_merges: usize,
}

/// The settings every record is tokenized with.
pub(crate) struct Tokenizing<'a> {
    pub tokenizer: &'a dyn TextTokenizer,
    pub truncation: Truncation,
    /// Appended to text completions (TRL's `add_eos`), when set.
    pub eos: Option<u32>,
    pub path: &'a Path,
}

impl Tokenizing<'_> {
    fn bad(&self, at: RecordLocation, field: &str, problem: String) -> PreferenceFileError {
        PreferenceFileError::Field {
            path: self.path.to_path_buf(),
            at,
            field: field.to_string(),
            problem: format!(": {problem}"),
        }
    }

    /// The prompt and completions of a record as truncated ids.
    fn ids(
        &self,
        at: RecordLocation,
        prompt: &Content,
        completions: &[(&Content, &str)],
        prompt_field: &str,
        counts: &mut TokenizeCounts,
    ) -> Result<(Vec<u32>, Vec<Vec<u32>>), PreferenceFileError> {
        let contents: Vec<&Content> = completions.iter().map(|(content, _)| *content).collect();
        let rendered = render(self.tokenizer, prompt, &contents)
            .map_err(|e| self.bad(at, "(record)", format!("cannot render it: {e}")))?;
        let encoded = encode(self.tokenizer, &rendered, self.eos)
            .map_err(|e| self.bad(at, "(record)", format!("cannot tokenize it: {e}")))?;
        counts.boundary_merges += encoded.boundary_merges;
        let mut prompt_ids = encoded.prompt;
        if prompt_ids.is_empty() {
            return Err(self.bad(at, prompt_field, "the prompt has no tokens".into()));
        }
        let prompt_tokens = prompt_ids.len();
        if self.truncation.prompt(&mut prompt_ids) {
            counts.truncated_prompts += 1;
        }
        let mut out = Vec::with_capacity(completions.len());
        for (mut ids, (_, field)) in encoded.completions.into_iter().zip(completions) {
            if ids.is_empty() {
                return Err(self.bad(at, field, "the completion has no tokens".into()));
            }
            match self.truncation.completion(prompt_ids.len(), &mut ids) {
                Ok(true) => counts.truncated_completions += 1,
                Ok(false) => {}
                Err(NoRoom {
                    prompt_tokens: kept,
                    max_length,
                }) => {
                    let tokens = if kept < prompt_tokens {
                        format!(
                            "{prompt_tokens} tokens, {kept} after truncation to `max_prompt_length` = {}",
                            self.truncation.max_prompt_length
                        )
                    } else {
                        format!("{prompt_tokens} tokens")
                    };
                    return Err(self.bad(
                        at,
                        prompt_field,
                        format!(
                            "the prompt leaves no room for the completion: {tokens}, and `max_length` = {max_length} must exceed that (raise `max_length` or lower `max_prompt_length`)"
                        ),
                    ));
                }
            }
            out.push(ids);
        }
        Ok((prompt_ids, out))
    }

    /// A pair's ids; `prompt_field` names where its prompt comes from.
    pub fn pair(
        &self,
        at: RecordLocation,
        record: &PreferenceRecord,
        prompt_field: &str,
        counts: &mut TokenizeCounts,
    ) -> Result<TokenizedPair, PreferenceFileError> {
        let (prompt, mut completions) = self.ids(
            at,
            &record.prompt,
            &[(&record.chosen, "chosen"), (&record.rejected, "rejected")],
            prompt_field,
            counts,
        )?;
        let rejected = completions.pop().expect("two completions");
        let chosen = completions.pop().expect("two completions");
        if chosen == rejected {
            return Err(self.bad(
                at,
                "rejected",
                format!(
                    "identical to `chosen` once truncated to `max_length` = {} (the difference lies beyond it): the pair holds no preference",
                    self.truncation.max_length
                ),
            ));
        }
        Ok(TokenizedPair {
            at,
            prompt,
            chosen,
            rejected,
            weight: record.weight.map(|w| w as f32),
        })
    }

    /// An unpaired completion's ids; the fields name where its prompt and completion come from.
    pub fn unpaired(
        &self,
        at: RecordLocation,
        record: &UnpairedRecord,
        prompt_field: &str,
        completion_field: &str,
        counts: &mut TokenizeCounts,
    ) -> Result<TokenizedUnpaired, PreferenceFileError> {
        let (prompt, mut completions) = self.ids(
            at,
            &record.prompt,
            &[(&record.completion, completion_field)],
            prompt_field,
            counts,
        )?;
        Ok(TokenizedUnpaired {
            at,
            prompt,
            completion: completions.pop().expect("one completion"),
            desirable: record.label,
            weight: record.weight.map(|w| w as f32),
        })
    }
}
