//! The built `preference_file` task: tokenized examples, split, collated on request.

use super::config::PreferenceFileConfig;
use super::examples::{TokenizeCounts, TokenizedPair, TokenizedUnpaired};
use super::reading::{Example, Reading, paired_file_format, unpaired_file_format};
use super::stats::LengthStats;
use crate::preference_file::{FileContents, PreferenceFileError, read_file};
use prefopt_core::burn::tensor::{Device, Tensor, TensorData};
use prefopt_core::{
    PreferenceBatch, PrefoptError, SequenceBatch, Split, Task, TaskBatch, TextTokenizer,
    UnpairedBatch, examples_at,
};
use rand::rngs::StdRng;
use std::time::Instant;
use tracing::{info, warn};

/// How many skipped records are logged one by one (the rest are counted).
const SKIPS_LOGGED: usize = 5;

/// The examples of a task, both splits.
#[derive(Debug, Clone)]
pub enum TaskData {
    /// Preference pairs.
    Pairs {
        /// The training split.
        train: Vec<TokenizedPair>,
        /// The held-out split (empty without `eval_path` or `eval_fraction`).
        eval: Vec<TokenizedPair>,
    },
    /// Unpaired completions.
    Unpaired {
        /// The training split.
        train: Vec<TokenizedUnpaired>,
        /// The held-out split (empty without `eval_path` or `eval_fraction`).
        eval: Vec<TokenizedUnpaired>,
    },
}

/// What building the task read, skipped, truncated and measured.
#[derive(Debug, Clone)]
pub struct PreparationReport {
    /// The format read.
    pub format: String,
    /// Records in the files (usable or not).
    pub records: usize,
    /// Records left out (`on_bad_example = "skip"`).
    pub skipped: usize,
    /// Why each skipped record was left out, in file order.
    pub skip_reasons: Vec<String>,
    /// Training examples.
    pub train: usize,
    /// Held-out examples.
    pub eval: usize,
    /// Truncations and boundary merges.
    pub counts: TokenizeCounts,
    /// Prompt lengths in tokens, after truncation, both splits.
    pub prompt_tokens: LengthStats,
    /// Completion lengths in tokens (chosen and rejected alike), after truncation.
    pub completion_tokens: LengthStats,
    /// Prompt + completion lengths in tokens, after truncation.
    pub sequence_tokens: LengthStats,
    /// Seconds spent reading, rendering and tokenizing.
    pub seconds: f64,
}

/// A preference file, tokenized with the policy's tokenizer: paired or unpaired examples, a
/// training and a held-out split, read by position ([`Task::batch_at`]) or sampled
/// ([`Task::training_batch`], pairs only).
#[derive(Clone)]
pub struct PreferenceFileTask {
    data: TaskData,
    pad_id: u32,
    weighted: bool,
    report: PreparationReport,
}

impl std::fmt::Debug for PreferenceFileTask {
    /// A summary: the examples' ids would fill any message the task is printed in.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreferenceFileTask")
            .field("format", &self.report.format)
            .field("unpaired", &self.is_unpaired())
            .field("train", &self.report.train)
            .field("eval", &self.report.eval)
            .field("skipped", &self.report.skipped)
            .field("pad_id", &self.pad_id)
            .finish()
    }
}

impl PreferenceFileTask {
    /// Reads `config.path` (and `config.eval_path`), tokenizes every record with `tokenizer`,
    /// truncates, checks, and splits off the held-out examples.
    pub fn new(
        config: &PreferenceFileConfig,
        seed: u64,
        tokenizer: &dyn TextTokenizer,
    ) -> Result<Self, PrefoptError> {
        let started = Instant::now();
        // `~` and environment variables in the paths, as a shell would expand them.
        let expanded = PreferenceFileConfig {
            path: prefopt_core::expand_user_path(&config.path)?,
            eval_path: config
                .eval_path
                .as_deref()
                .map(prefopt_core::expand_user_path)
                .transpose()?,
            ..config.clone()
        };
        let config = &expanded;
        let eos = if config.add_eos {
            tokenizer.eos_token_ids().first().copied()
        } else {
            None
        };
        let pad_id = tokenizer
            .pad_token_id()
            .or_else(|| tokenizer.eos_token_ids().first().copied())
            .unwrap_or(0);
        let mut counts = TokenizeCounts::default();
        let contents = read_file(&config.path, config.format, config.on_bad_example)?;
        let (format_name, kind_format) = match &contents {
            FileContents::Paired { format, .. } => {
                (format.to_string(), paired_file_format(*format))
            }
            FileContents::Unpaired { format, .. } => {
                (format.to_string(), unpaired_file_format(*format))
            }
        };
        let eval_contents = match &config.eval_path {
            Some(path) => Some(read_file(path, kind_format, config.on_bad_example)?),
            None => None,
        };
        let reading = Reading {
            config,
            seed,
            tokenizer,
            eos,
        };
        let mut skipped = Vec::new();
        let mut records = 0;
        let data = match contents {
            FileContents::Paired {
                format,
                records: file,
            } => {
                let eval = eval_contents.map(|contents| match contents {
                    FileContents::Paired { records, .. } => records,
                    FileContents::Unpaired { .. } => unreachable!("read in the paired format"),
                });
                let (train, eval) = reading.examples(
                    file,
                    eval,
                    &mut skipped,
                    &mut records,
                    |settings, at, record| {
                        settings.pair(at, record, format.prompt_field(), &mut counts)
                    },
                )?;
                TaskData::Pairs { train, eval }
            }
            FileContents::Unpaired {
                format,
                records: file,
            } => {
                let eval = eval_contents.map(|contents| match contents {
                    FileContents::Unpaired { records, .. } => records,
                    FileContents::Paired { .. } => unreachable!("read in the unpaired format"),
                });
                let (train, eval) = reading.examples(
                    file,
                    eval,
                    &mut skipped,
                    &mut records,
                    |settings, at, record| {
                        settings.unpaired(
                            at,
                            record,
                            format.prompt_field(),
                            format.completion_field(),
                            &mut counts,
                        )
                    },
                )?;
                TaskData::Unpaired { train, eval }
            }
        };
        let task = Self::assemble(data, pad_id, format_name, records, skipped, counts, started);
        task.log(config);
        Ok(task)
    }

    fn assemble(
        data: TaskData,
        pad_id: u32,
        format: String,
        records: usize,
        skipped: Vec<PreferenceFileError>,
        counts: TokenizeCounts,
        started: Instant,
    ) -> Self {
        fn lengths<E: Example>(examples: &[&E]) -> (Vec<usize>, Vec<usize>, Vec<usize>, bool) {
            let mut prompts = Vec::new();
            let mut completions = Vec::new();
            let mut sequences = Vec::new();
            for example in examples {
                prompts.push(example.prompt_len());
                for completion in example.completion_lens() {
                    completions.push(completion);
                    sequences.push(example.prompt_len() + completion);
                }
            }
            let weighted = examples.iter().any(|e| e.weight().is_some());
            (prompts, completions, sequences, weighted)
        }
        let ((prompts, completions, sequences, weighted), train, eval) = match &data {
            TaskData::Pairs { train, eval } => (
                lengths(&train.iter().chain(eval).collect::<Vec<_>>()),
                train.len(),
                eval.len(),
            ),
            TaskData::Unpaired { train, eval } => (
                lengths(&train.iter().chain(eval).collect::<Vec<_>>()),
                train.len(),
                eval.len(),
            ),
        };
        Self {
            data,
            pad_id,
            weighted,
            report: PreparationReport {
                format,
                records,
                skipped: skipped.len(),
                skip_reasons: skipped.iter().map(ToString::to_string).collect(),
                train,
                eval,
                counts,
                prompt_tokens: LengthStats::of(&prompts),
                completion_tokens: LengthStats::of(&completions),
                sequence_tokens: LengthStats::of(&sequences),
                seconds: started.elapsed().as_secs_f64(),
            },
        }
    }

    fn log(&self, config: &PreferenceFileConfig) {
        let report = &self.report;
        for reason in report.skip_reasons.iter().take(SKIPS_LOGGED) {
            warn!(%reason, "preference file: record skipped");
        }
        if report.skipped > 0 {
            warn!(
                skipped = report.skipped,
                records = report.records,
                path = %config.path.display(),
                "preference file: records skipped (on_bad_example = \"skip\")"
            );
        }
        info!(
            path = %config.path.display(),
            format = %report.format,
            train = report.train,
            eval = report.eval,
            skipped = report.skipped,
            truncated_prompts = report.counts.truncated_prompts,
            truncated_completions = report.counts.truncated_completions,
            sequence_tokens = %report.sequence_tokens,
            seconds = report.seconds,
            "preference file tokenized"
        );
    }

    /// The examples, both splits.
    pub fn data(&self) -> &TaskData {
        &self.data
    }

    /// What building the task read, skipped, truncated and measured.
    pub fn report(&self) -> &PreparationReport {
        &self.report
    }

    /// The number of records left out (`on_bad_example = "skip"`).
    pub fn skipped_examples(&self) -> usize {
        self.report.skipped
    }

    /// Whether the examples are unpaired completions (KTO data) rather than pairs.
    pub fn is_unpaired(&self) -> bool {
        matches!(self.data, TaskData::Unpaired { .. })
    }

    /// The token id prompts and completions are padded with (the tokenizer's padding token,
    /// else its EOS, else 0; always masked out).
    pub fn pad_id(&self) -> u32 {
        self.pad_id
    }

    fn len(&self, split: Split) -> usize {
        match (&self.data, split) {
            (TaskData::Pairs { train, .. }, Split::Train) => train.len(),
            (TaskData::Pairs { eval, .. }, Split::Eval) => eval.len(),
            (TaskData::Unpaired { train, .. }, Split::Train) => train.len(),
            (TaskData::Unpaired { eval, .. }, Split::Eval) => eval.len(),
        }
    }

    fn weights(
        &self,
        weights: impl Iterator<Item = Option<f32>>,
        device: &Device,
    ) -> Option<Tensor<1>> {
        self.weighted.then(|| {
            let values: Vec<f32> = weights.map(|w| w.unwrap_or(1.0)).collect();
            let n = values.len();
            Tensor::from_data(TensorData::new(values, [n]), device)
        })
    }

    fn pairs_batch(
        &self,
        pairs: &[&TokenizedPair],
        device: &Device,
    ) -> Result<PreferenceBatch, PrefoptError> {
        let prompts: Vec<Vec<u32>> = pairs.iter().map(|p| p.prompt.clone()).collect();
        let chosen: Vec<Vec<u32>> = pairs.iter().map(|p| p.chosen.clone()).collect();
        let rejected: Vec<Vec<u32>> = pairs.iter().map(|p| p.rejected.clone()).collect();
        let batch = PreferenceBatch::from_ids(&prompts, &chosen, &rejected, self.pad_id, device)?;
        Ok(PreferenceBatch {
            weights: self.weights(pairs.iter().map(|p| p.weight), device),
            ..batch
        })
    }

    fn unpaired_batch(
        &self,
        examples: &[&TokenizedUnpaired],
        device: &Device,
    ) -> Result<UnpairedBatch, PrefoptError> {
        let prompts: Vec<Vec<u32>> = examples.iter().map(|e| e.prompt.clone()).collect();
        let completions: Vec<Vec<u32>> = examples.iter().map(|e| e.completion.clone()).collect();
        let desirable: Vec<f32> = examples
            .iter()
            .map(|e| if e.desirable { 1.0 } else { 0.0 })
            .collect();
        let n = desirable.len();
        Ok(UnpairedBatch {
            sequences: SequenceBatch::from_ids(&prompts, &completions, self.pad_id, device)?,
            desirable: Tensor::from_data(TensorData::new(desirable, [n]), device),
            weights: self.weights(examples.iter().map(|e| e.weight), device),
        })
    }
}

impl Task for PreferenceFileTask {
    /// `batch_size` training pairs drawn without replacement, or every pair when `batch_size`
    /// covers the split.
    ///
    /// # Panics
    /// On an unpaired (KTO) file, which has no pairs: trainers read it by position with
    /// [`batch_at`](Task::batch_at).
    fn training_batch(
        &self,
        rng: &mut StdRng,
        batch_size: usize,
        device: &Device,
    ) -> PreferenceBatch {
        let TaskData::Pairs { train, .. } = &self.data else {
            panic!(
                "an unpaired (KTO) preference file has no pairs: read it by position with `Task::batch_at`, which gives `TaskBatch::Unpaired`"
            );
        };
        let chosen: Vec<&TokenizedPair> = if batch_size >= train.len() {
            train.iter().collect()
        } else {
            rand::seq::index::sample(rng, train.len(), batch_size)
                .into_iter()
                .map(|i| &train[i])
                .collect()
        };
        self.pairs_batch(&chosen, device)
            .expect("tokenized pairs have non-empty prompts and completions")
    }

    /// The training pairs (`None` for unpaired files).
    fn num_pairs(&self) -> Option<usize> {
        match &self.data {
            TaskData::Pairs { train, .. } => Some(train.len()),
            TaskData::Unpaired { .. } => None,
        }
    }

    /// The examples of `split`; 0 held-out ones without `eval_path` or `eval_fraction`.
    fn examples(&self, split: Split) -> Option<usize> {
        Some(self.len(split))
    }

    /// `TaskBatch::Pairs` for paired files, `TaskBatch::Unpaired` for unpaired ones: prompts and
    /// completions right-padded with [`pad_id`](Self::pad_id), masks covering real tokens (the
    /// completion mask only the completion), weights when any record has a `weight` (1 where
    /// absent).
    fn batch_at(
        &self,
        split: Split,
        indices: &[usize],
        device: &Device,
    ) -> Result<TaskBatch, PrefoptError> {
        match &self.data {
            TaskData::Pairs { train, eval } => {
                let examples = if split == Split::Train { train } else { eval };
                let picked = examples_at(examples, split, indices, "example")?;
                Ok(TaskBatch::Pairs(self.pairs_batch(&picked, device)?))
            }
            TaskData::Unpaired { train, eval } => {
                let examples = if split == Split::Train { train } else { eval };
                let picked = examples_at(examples, split, indices, "example")?;
                Ok(TaskBatch::Unpaired(self.unpaired_batch(&picked, device)?))
            }
        }
    }
}
