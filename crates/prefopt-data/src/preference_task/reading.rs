//! Reading a task's files: every record made an example (or counted as skipped), and the
//! held-out examples split off.

use super::config::PreferenceFileConfig;
use super::examples::{TokenizedPair, TokenizedUnpaired, Tokenizing};
use super::split::split_positions;
use crate::preference_file::{
    FileFormat, FileRecords, OnBadExample, PreferenceFileError, PreferenceFormat, UnpairedFormat,
};
use prefopt_core::{PrefoptError, TextTokenizer};
use std::path::{Path, PathBuf};

/// Examples of one kind, with what the task needs to know about them.
pub(super) trait Example: Clone {
    fn prompt_len(&self) -> usize;
    fn completion_lens(&self) -> Vec<usize>;
    fn weight(&self) -> Option<f32>;
}

impl Example for TokenizedPair {
    fn prompt_len(&self) -> usize {
        self.prompt.len()
    }
    fn completion_lens(&self) -> Vec<usize> {
        vec![self.chosen.len(), self.rejected.len()]
    }
    fn weight(&self) -> Option<f32> {
        self.weight
    }
}

impl Example for TokenizedUnpaired {
    fn prompt_len(&self) -> usize {
        self.prompt.len()
    }
    fn completion_lens(&self) -> Vec<usize> {
        vec![self.completion.len()]
    }
    fn weight(&self) -> Option<f32> {
        self.weight
    }
}

/// The usable examples of records, and the errors of those left out.
pub(super) struct Tokenized<E> {
    pub(super) examples: Vec<E>,
    pub(super) skipped: Vec<PreferenceFileError>,
    pub(super) records: usize,
}

pub(super) fn tokenize_all<R, E>(
    records: FileRecords<R>,
    on_bad: OnBadExample,
    mut one: impl FnMut(crate::preference_file::RecordLocation, &R) -> Result<E, PreferenceFileError>,
) -> Result<Tokenized<E>, PreferenceFileError> {
    let FileRecords {
        records,
        mut skipped,
    } = records;
    let total = records.len() + skipped.len();
    let mut examples = Vec::with_capacity(records.len());
    for (at, record) in &records {
        match one(*at, record) {
            Ok(example) => examples.push(example),
            Err(error) if on_bad == OnBadExample::Skip => skipped.push(error),
            Err(error) => return Err(error),
        }
    }
    Ok(Tokenized {
        examples,
        skipped,
        records: total,
    })
}

/// What the records of a task's files are read with.
pub(super) struct Reading<'a> {
    pub(super) config: &'a PreferenceFileConfig,
    pub(super) seed: u64,
    pub(super) tokenizer: &'a dyn TextTokenizer,
    /// Appended to text completions (`add_eos`), when set.
    pub(super) eos: Option<u32>,
}

impl Reading<'_> {
    /// The training and held-out examples of the training file's records and the eval file's
    /// (when given), each record made an example by `one` ([`split`] takes the held-out part).
    /// Collects the skipped records' errors and counts the records.
    pub(super) fn examples<R, E: Clone>(
        &self,
        train: FileRecords<R>,
        eval: Option<FileRecords<R>>,
        skipped: &mut Vec<PreferenceFileError>,
        records: &mut usize,
        mut one: impl FnMut(
            &Tokenizing<'_>,
            crate::preference_file::RecordLocation,
            &R,
        ) -> Result<E, PreferenceFileError>,
    ) -> Result<(Vec<E>, Vec<E>), PrefoptError> {
        let config = self.config;
        let mut tokenize = |path: &Path, file: FileRecords<R>| {
            let settings = Tokenizing {
                tokenizer: self.tokenizer,
                truncation: config.truncation(),
                eos: self.eos,
                path,
            };
            tokenize_all(file, config.on_bad_example, |at, record| {
                one(&settings, at, record)
            })
        };
        let train = tokenize(&config.path, train)?;
        let eval = match eval {
            Some(file) => Some(tokenize(
                config.eval_path.as_deref().expect("eval file read"),
                file,
            )?),
            None => None,
        };
        split(config, self.seed, train, eval, skipped, records)
    }
}

/// The `FileFormat` that reads files of `format`.
pub(super) fn paired_file_format(format: PreferenceFormat) -> FileFormat {
    match format {
        PreferenceFormat::Standard => FileFormat::Standard,
        PreferenceFormat::ImplicitPrompt => FileFormat::ImplicitPrompt,
        PreferenceFormat::ShareGpt => FileFormat::ShareGpt,
    }
}

/// The `FileFormat` that reads files of `format`.
pub(super) fn unpaired_file_format(format: UnpairedFormat) -> FileFormat {
    match format {
        UnpairedFormat::Standard => FileFormat::Unpaired,
        UnpairedFormat::Messages => FileFormat::KtoMessages,
    }
}

/// The training and held-out examples: the eval file's, or a seeded part of the training file's
/// (`eval_fraction`), or none. Collects the skipped records' errors and counts the records.
pub(super) fn split<E: Clone>(
    config: &PreferenceFileConfig,
    seed: u64,
    train: Tokenized<E>,
    eval: Option<Tokenized<E>>,
    skipped: &mut Vec<PreferenceFileError>,
    records: &mut usize,
) -> Result<(Vec<E>, Vec<E>), PrefoptError> {
    let usable = |file: &Path,
                  tokenized: Tokenized<E>,
                  skipped: &mut Vec<PreferenceFileError>,
                  records: &mut usize| {
        *records += tokenized.records;
        if tokenized.examples.is_empty() {
            let total = tokenized.records;
            let mut errors = tokenized.skipped.into_iter();
            return Err(PrefoptError::from(PreferenceFileError::NothingUsable {
                path: file.to_path_buf(),
                skipped: total,
                first: Box::new(errors.next().unwrap_or(PreferenceFileError::Empty {
                    path: file.to_path_buf(),
                })),
            }));
        }
        skipped.extend(tokenized.skipped);
        Ok(tokenized.examples)
    };
    let train = usable(&config.path, train, skipped, records)?;
    match (eval, config.eval_fraction) {
        (Some(eval), _) => {
            let eval_path: PathBuf = config.eval_path.clone().expect("eval file read");
            let eval = usable(&eval_path, eval, skipped, records)?;
            Ok((train, eval))
        }
        (None, Some(fraction)) => {
            let (train_at, eval_at) =
                split_positions(train.len(), fraction, seed).map_err(|message| {
                    PrefoptError::Data(format!("{}: {message}", config.path.display()))
                })?;
            let pick =
                |positions: Vec<usize>| positions.into_iter().map(|i| train[i].clone()).collect();
            Ok((pick(train_at), pick(eval_at)))
        }
        (None, None) => Ok((train, Vec::new())),
    }
}
