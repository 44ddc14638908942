//! The `[task] type = "preference_file"` config.

use super::limit::TokenLimit;
use super::task::PreferenceFileTask;
use super::truncate::{DEFAULT_MAX_LENGTH, DEFAULT_MAX_PROMPT_LENGTH, Truncation};
use crate::preference_file::{FileFormat, OnBadExample};
use prefopt_core::{ConfigError, PrefoptError, Task, TaskConfig, TextTokenizer, plugin};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// Preference data from a file (`[task] type = "preference_file"`), in TRL's dataset formats
/// (standard, implicit prompt, conversational, unpaired) or LLaMA-Factory's, tokenized with the
/// policy's tokenizer and truncated as TRL's DPO trainer does (Rafailov et al. 2023,
/// arXiv:2305.18290, trained on such pairs; KTO, arXiv:2402.01306, on unpaired completions).
///
/// Paths are read as given (relative ones from the working directory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreferenceFileConfig {
    /// The training file: JSON lines or a JSON array.
    pub path: PathBuf,
    /// The records' format; `"auto"` detects it from the first record.
    #[serde(default)]
    pub format: FileFormat,
    /// A second file of held-out examples, in the training file's format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_path: Option<PathBuf>,
    /// The fraction of the training file's examples held out instead (drawn with the run's
    /// seed), in (0, 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_fraction: Option<f64>,
    /// Longest prompt + completion in tokens (TRL's `max_length`, default 1024), or `"none"`.
    #[serde(default = "default_max_length")]
    pub max_length: TokenLimit,
    /// Longest prompt in tokens, its end kept (TRL's `max_prompt_length`, default 512), or
    /// `"none"`.
    #[serde(default = "default_max_prompt_length")]
    pub max_prompt_length: TokenLimit,
    /// Longest completion in tokens, its start kept (TRL's `max_completion_length`, default
    /// `"none"`).
    #[serde(default = "unlimited")]
    pub max_completion_length: TokenLimit,
    /// Append the tokenizer's EOS to text completions that do not end with it (TRL does;
    /// conversations end with the chat template's end of turn instead).
    #[serde(default = "yes")]
    pub add_eos: bool,
    /// `"error"`: stop at the first unusable record; `"skip"`: leave it out, count and log it.
    #[serde(default)]
    pub on_bad_example: OnBadExample,
}

fn default_max_length() -> TokenLimit {
    TokenLimit::Tokens(DEFAULT_MAX_LENGTH)
}

fn default_max_prompt_length() -> TokenLimit {
    TokenLimit::Tokens(DEFAULT_MAX_PROMPT_LENGTH)
}

fn unlimited() -> TokenLimit {
    TokenLimit::Unlimited
}

fn yes() -> bool {
    true
}

impl Default for PreferenceFileConfig {
    /// The repository's small standard-format file with TRL's defaults.
    fn default() -> Self {
        Self {
            path: PathBuf::from("tests/data/preference/standard.jsonl"),
            format: FileFormat::Auto,
            eval_path: None,
            eval_fraction: None,
            max_length: default_max_length(),
            max_prompt_length: default_max_prompt_length(),
            max_completion_length: unlimited(),
            add_eos: true,
            on_bad_example: OnBadExample::Error,
        }
    }
}

impl PreferenceFileConfig {
    /// A config reading `path` with every other field at its default.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            ..Self::default()
        }
    }

    /// The truncation limits.
    pub fn truncation(&self) -> Truncation {
        Truncation {
            max_length: self.max_length,
            max_prompt_length: self.max_prompt_length,
            max_completion_length: self.max_completion_length,
        }
    }

    /// The task built with `tokenizer` (what [`TaskConfig::build_with_tokenizer`] does once the
    /// policy's tokenizer is loaded).
    pub fn build_task(
        &self,
        seed: u64,
        tokenizer: &dyn TextTokenizer,
    ) -> Result<PreferenceFileTask, PrefoptError> {
        self.validate()?;
        PreferenceFileTask::new(self, seed, tokenizer)
    }

    fn no_tokenizer(&self) -> PrefoptError {
        PrefoptError::Incompatible(format!(
            "[task] type = \"preference_file\" reads text from {} and tokenizes it with the policy's tokenizer, but the policy has none: give `[policy] model = \"...\"` (a GGUF file or a Hugging Face model directory, which carry a tokenizer); a randomly initialized policy (`tiny = true` or `[policy.architecture]`) has no tokenizer",
            self.path.display()
        ))
    }
}

#[plugin(
    name = "preference_file",
    summary = "Preference pairs or unpaired (KTO) completions from a JSONL/JSON file in TRL's or LLaMA-Factory's formats, tokenized with the policy's tokenizer",
    paper = "arXiv:2305.18290"
)]
impl TaskConfig for PreferenceFileConfig {
    /// Refused: the file's text needs the policy's tokenizer.
    fn build(&self, _seed: u64) -> Result<Box<dyn Task>, PrefoptError> {
        self.validate()?;
        Err(self.no_tokenizer())
    }

    fn build_with_tokenizer(
        &self,
        seed: u64,
        tokenizer: &dyn Fn() -> Result<Option<Arc<dyn TextTokenizer>>, PrefoptError>,
    ) -> Result<Box<dyn Task>, PrefoptError> {
        self.validate()?;
        let tokenizer = tokenizer()?.ok_or_else(|| self.no_tokenizer())?;
        Ok(Box::new(self.build_task(seed, &*tokenizer)?))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.path.as_os_str().is_empty() {
            return Err(ConfigError::new(
                "path",
                "expected the preference file's path",
            ));
        }
        if let Some(fraction) = self.eval_fraction {
            if self.eval_path.is_some() {
                return Err(ConfigError::new(
                    "eval_fraction",
                    "give either `eval_path` (a held-out file) or `eval_fraction` (a part of `path`), not both",
                ));
            }
            if !(fraction > 0.0 && fraction < 1.0) {
                return Err(ConfigError::new(
                    "eval_fraction",
                    format!("expected a fraction strictly between 0 and 1, got {fraction}"),
                ));
            }
        }
        if let Some(eval_path) = &self.eval_path
            && eval_path.as_os_str().is_empty()
        {
            return Err(ConfigError::new(
                "eval_path",
                "expected the held-out file's path",
            ));
        }
        if let (Some(max_length), Some(max_prompt)) =
            (self.max_length.get(), self.max_prompt_length.get())
            && max_prompt >= max_length
        {
            return Err(ConfigError::new(
                "max_prompt_length",
                format!(
                    "{max_prompt} leaves no room for a completion under `max_length` = {max_length}: expected less than `max_length`"
                ),
            ));
        }
        Ok(())
    }
}
