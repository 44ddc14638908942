//! The `[task] type = "controlled_sentiment"` config.

use super::corpus::{CorpusFile, CorpusFormat, read_corpus};
use super::task::ControlledSentimentTask;
use prefopt_core::{ConfigError, PrefoptError, Task, TaskConfig, TaskInputs, fits_f32, plugin};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where the preference pairs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairSource {
    /// chosen = the document's own continuation, rejected = another document's: the text the
    /// `sft` objective trains pi_ref on (it reads only chosen).
    Corpus,
    /// Two completions sampled from pi_ref per prompt, ordered by the true reward (the DPO
    /// paper's controlled-sentiment data, Rafailov et al. 2023, section 6.1).
    ReferenceSamples,
}

/// How two scored samples become a preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preference {
    /// The higher score is chosen; pairs of equal score are dropped.
    Deterministic,
    /// The first sample is chosen with probability `sigmoid((r1 - r2) / preference_temperature)`
    /// (Bradley & Terry 1952), else the second.
    BradleyTerry,
}

/// What the true reward scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scored {
    /// The completion's text alone: the reward is what the policy wrote.
    Completion,
    /// The prompt's text followed by the completion's.
    PromptAndCompletion,
}

/// Controlled sentiment generation (`[task] type = "controlled_sentiment"`), the DPO paper's
/// first experiment (Rafailov et al. 2023, section 6.1) on text reachable offline: prompts are
/// the first `prompt_tokens` tokens of movie-review sentences (Pang & Lee's reviews, one
/// sentence per line, and VADER's movie-review snippets, fetched by `scripts/fetch-assets
/// sentiment`), and the true reward of a completion is VADER's compound sentiment score in
/// [-1, 1] (Hutto & Gilbert 2014), a fixed rule-based function of the decoded text.
///
/// Documents are tokenized with the policy's tokenizer; those with at least `prompt_tokens +
/// min_completion_tokens` tokens are eligible, `prompts` of them (0: all) are picked in a seeded
/// order (`data_seed`), and `eval_fraction` of those are held out. Pairs come from the corpus
/// (`pairs = "corpus"`) or from two pi_ref samples per prompt (`"reference_samples"`). Every
/// random choice uses `data_seed`, not the run's seed, so every run of a sweep sees the same
/// prompts and pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ControlledSentimentConfig {
    /// The corpus files; empty: the fetched Pang & Lee reviews and VADER's snippets under
    /// `$PREFOPT_CACHE/sentiment/`.
    pub corpus: Vec<CorpusFile>,
    /// VADER's `vader_lexicon.txt`; absent: the fetched one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lexicon: Option<PathBuf>,
    /// VADER's `emoji_utf8_lexicon.txt`; absent: the fetched one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emoji_lexicon: Option<PathBuf>,
    /// Lowercase every document (Pang & Lee's text is lowercase already).
    pub lowercase: bool,
    /// Prompts (documents) used; 0: every eligible one.
    pub prompts: usize,
    /// Tokens per prompt.
    pub prompt_tokens: usize,
    /// The longest completion in tokens: a corpus continuation's length, and pi_ref's
    /// `max_new_tokens`.
    pub completion_tokens: usize,
    /// A document needs at least this many tokens after its prompt.
    pub min_completion_tokens: usize,
    /// The fraction of prompts held out, in [0, 1).
    pub eval_fraction: f64,
    /// Where the pairs come from.
    pub pairs: PairSource,
    /// How two pi_ref samples are ordered (`reference_samples` only).
    pub preference: Preference,
    /// The Bradley-Terry temperature on the reward difference (> 0).
    pub preference_temperature: f64,
    /// pi_ref's sampling temperature (1: pi_ref itself).
    pub sampling_temperature: f64,
    /// Prompts per `generate` call while sampling pairs.
    pub sample_batch: usize,
    /// What the true reward scores.
    pub score: Scored,
    /// The seed of every random choice of the task.
    pub data_seed: u64,
}

impl Default for ControlledSentimentConfig {
    /// 1,024 prompts of 8 tokens, completions of up to 24, pairs from pi_ref ordered by score.
    fn default() -> Self {
        Self {
            corpus: Vec::new(),
            lexicon: None,
            emoji_lexicon: None,
            lowercase: true,
            prompts: 1024,
            prompt_tokens: 8,
            completion_tokens: 24,
            min_completion_tokens: 4,
            eval_fraction: 0.05,
            pairs: PairSource::ReferenceSamples,
            preference: Preference::Deterministic,
            preference_temperature: 0.1,
            sampling_temperature: 1.0,
            sample_batch: 64,
            score: Scored::Completion,
            data_seed: 0,
        }
    }
}

/// `<cache>/sentiment/<name>`, or an error saying to fetch it.
fn fetched(name: &str) -> Result<PathBuf, PrefoptError> {
    let path = prefopt_core::assets::cache_dir()?
        .join("sentiment")
        .join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(PrefoptError::Data(format!(
            "{} is missing: run `scripts/fetch-assets sentiment` (set PREFOPT_CACHE to use \
             another cache)",
            path.display()
        )))
    }
}

impl ControlledSentimentConfig {
    /// The corpus files, the fetched ones when none are given.
    pub fn corpus_files(&self) -> Result<Vec<CorpusFile>, PrefoptError> {
        if !self.corpus.is_empty() {
            return Ok(self.corpus.clone());
        }
        Ok(vec![
            CorpusFile {
                path: fetched("polarity-en-pang&lee1.csv")?,
                format: CorpusFormat::PangLee,
            },
            CorpusFile {
                path: fetched("movieReviewSnippets_GroundTruth.txt")?,
                format: CorpusFormat::VaderSnippets,
            },
        ])
    }

    /// VADER's lexicon files: `(lexicon, emoji lexicon)`, the fetched ones where not given.
    pub fn lexicon_files(&self) -> Result<(PathBuf, PathBuf), PrefoptError> {
        let resolve = |given: &Option<PathBuf>, name: &str| match given {
            Some(path) => prefopt_core::expand_user_path(path),
            None => fetched(name),
        };
        Ok((
            resolve(&self.lexicon, "vader_lexicon.txt")?,
            resolve(&self.emoji_lexicon, "emoji_utf8_lexicon.txt")?,
        ))
    }

    /// Every document of the corpus, in file order.
    pub fn documents(&self) -> Result<Vec<String>, PrefoptError> {
        let mut documents = Vec::new();
        for file in self.corpus_files()? {
            documents.extend(read_corpus(&file, self.lowercase)?);
        }
        Ok(documents)
    }
}

/// The error of a build without the policy's tokenizer.
fn needs_tokenizer() -> PrefoptError {
    PrefoptError::Incompatible(
        "task.type = \"controlled_sentiment\" tokenizes its text with the policy's tokenizer: \
         give the policy one (`[policy] type = \"causal_lm\"` with `model`, or `tokenizer = DIR` \
         for a random model; `prefopt tokenizer train` makes one from the corpus)"
            .into(),
    )
}

#[plugin(
    name = "controlled_sentiment",
    summary = "Movie-review prefixes (Pang & Lee, VADER snippets); true reward = VADER's compound sentiment of the completion; pairs from the corpus or two pi_ref samples ordered by it",
    paper = "arXiv:2305.18290"
)]
impl TaskConfig for ControlledSentimentConfig {
    fn build(&self, _seed: u64) -> Result<Box<dyn Task>, PrefoptError> {
        Err(needs_tokenizer())
    }

    fn build_with(&self, inputs: &TaskInputs<'_>) -> Result<Box<dyn Task>, PrefoptError> {
        self.validate()
            .map_err(|source| PrefoptError::Config { path: None, source })?;
        let tokenizer = (inputs.tokenizer)()?.ok_or_else(needs_tokenizer)?;
        let task = ControlledSentimentTask::from_corpus(self, tokenizer)?;
        Ok(Box::new(match self.pairs {
            PairSource::Corpus => task,
            PairSource::ReferenceSamples => {
                let reference = (inputs.reference_policy)(&task)?;
                task.with_reference_pairs(self, &*reference)?
            }
        }))
    }

    fn corpus_texts(&self) -> Result<Option<Vec<String>>, PrefoptError> {
        self.documents().map(Some)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        for (field, value) in [
            ("prompt_tokens", self.prompt_tokens),
            ("completion_tokens", self.completion_tokens),
            ("min_completion_tokens", self.min_completion_tokens),
            ("sample_batch", self.sample_batch),
        ] {
            if value == 0 {
                return Err(ConfigError::new(field, "must be at least 1"));
            }
        }
        if self.min_completion_tokens > self.completion_tokens {
            return Err(ConfigError::new(
                "min_completion_tokens",
                format!(
                    "{} is more than completion_tokens = {}",
                    self.min_completion_tokens, self.completion_tokens
                ),
            ));
        }
        if self.prompts == 1 {
            return Err(ConfigError::new(
                "prompts",
                "a corpus pair's rejected side is another prompt's continuation: use at least 2 \
                 (or 0 for every eligible document)",
            ));
        }
        if !(0.0..1.0).contains(&self.eval_fraction) {
            return Err(ConfigError::new(
                "eval_fraction",
                format!("must be in [0, 1), got {}", self.eval_fraction),
            ));
        }
        for (field, value) in [
            ("preference_temperature", self.preference_temperature),
            ("sampling_temperature", self.sampling_temperature),
        ] {
            fits_f32(field, value)?;
            if value.is_nan() || value <= 0.0 {
                return Err(ConfigError::new(
                    field,
                    format!("must be positive, got {value}"),
                ));
            }
        }
        for (index, file) in self.corpus.iter().enumerate() {
            if file.path.as_os_str().is_empty() {
                return Err(ConfigError::new(
                    format!("corpus[{index}].path"),
                    "is empty: expected a file",
                ));
            }
        }
        for (field, path) in [
            ("lexicon", &self.lexicon),
            ("emoji_lexicon", &self.emoji_lexicon),
        ] {
            if path
                .as_deref()
                .is_some_and(|p: &Path| p.as_os_str().is_empty())
            {
                return Err(ConfigError::new(field, "is empty: expected a file"));
            }
        }
        Ok(())
    }
}
