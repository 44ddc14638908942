//! Reference log-probs computed once and kept on disk (TRL's `precompute_ref_log_probs`, which
//! keeps them in memory only): every example of a finite task is scored by the reference once,
//! the per-token log-probs are written to a file keyed by a fingerprint of the data, the
//! tokenization settings and the reference weights, and later runs read them back instead of
//! holding and running the reference.
//!
//! A run over the same inputs finds the file at the default location
//! (`<asset cache>/reference-logps/<fingerprint>.bin`) and reuses it; a file at a path the user
//! gives whose fingerprint differs is refused, naming the parts that differ.
//!
//! ```no_run
//! # use prefopt_core::{Policy, ReferenceModel, Task, PrefoptError};
//! # use prefopt_core::burn::tensor::Device;
//! # use prefopt_train::reference_cache::ReferenceCache;
//! # fn run(task: &dyn Task, policy: &dyn Policy, device: &Device) -> Result<(), PrefoptError> {
//! let frozen = policy.freeze();
//! let reference: Box<dyn ReferenceModel> = Box::new(
//!     ReferenceCache::new("max_length=512 max_prompt_length=128")
//!         .load_or_build(task, &*frozen, device)?,
//! );
//! drop(frozen); // training no longer holds the reference model
//! # Ok(()) }
//! ```

mod cache_file;
mod cached;
mod fingerprint;
mod rows;

pub use cache_file::{CACHE_FORMAT_VERSION, CacheFile};
pub use cached::CachedReference;
pub use fingerprint::{Fingerprint, weights_fingerprint};
pub use rows::row_key;

use prefopt_core::burn::tensor::Device;
use prefopt_core::{PrefoptError, ReferenceModel, Split, Task, TaskBatch};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

/// Where and how reference log-probs are cached: the caller's tokenization settings (free
/// text, part of the fingerprint), an optional file path, and the batch size of the
/// reference's forward passes when the cache is built.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceCache {
    /// The tokenization settings the task's token ids were made with (e.g. the truncation
    /// lengths and chat template): a different text gives a different fingerprint.
    pub settings: String,
    /// The cache file; `None`: `<asset cache>/reference-logps/<fingerprint>.bin`.
    pub path: Option<PathBuf>,
    /// Sequences per reference forward pass while building (default 8).
    pub batch_size: usize,
}

/// How long the last [`ReferenceCache::load_or_build`] took, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CacheTimings {
    /// Hashing the data (collating every example once).
    pub data_fingerprint: f64,
    /// Hashing every reference parameter.
    pub weights_fingerprint: f64,
    /// The reference's forward passes over every example (0 when the file was reused).
    pub build: f64,
    /// Reading or writing the file.
    pub file: f64,
}

impl ReferenceCache {
    /// A cache keyed by `settings`, at the default location, built 8 sequences at a time.
    pub fn new(settings: impl Into<String>) -> Self {
        Self {
            settings: settings.into(),
            path: None,
            batch_size: 8,
        }
    }

    /// The cache file at `path` instead of the default location.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// `batch_size` sequences per reference forward pass while building.
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// The reference log-probs of every example of `task` (both splits), read from the cache
    /// file when its fingerprint matches, else computed with `reference` on `device`
    /// ([`ReferenceModel::token_logps`], `batch_size` sequences at a time) and written to it
    /// atomically.
    ///
    /// # Errors
    /// When the task is not a finite data set read by position, the reference shows no
    /// parameters to fingerprint, the file at a given path was made for other inputs (the
    /// message names the data, the settings or the weights), or the file is truncated or
    /// damaged.
    pub fn load_or_build(
        &self,
        task: &dyn Task,
        reference: &dyn ReferenceModel,
        device: &Device,
    ) -> Result<CachedReference, PrefoptError> {
        if self.batch_size == 0 {
            return Err(PrefoptError::Incompatible(
                "the reference cache's batch size must be at least 1".into(),
            ));
        }
        let mut timings = CacheTimings::default();
        let started = Instant::now();
        let data = rows::data_fingerprint(task, self.batch_size, device)?;
        timings.data_fingerprint = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let weights = weights_fingerprint(reference)?;
        timings.weights_fingerprint = started.elapsed().as_secs_f64();
        let fingerprint = Fingerprint::new(data, &self.settings, weights);
        let path = match &self.path {
            Some(path) => path.clone(),
            None => prefopt_core::assets::cache_dir()?
                .join("reference-logps")
                .join(format!("{}.bin", fingerprint.combined())),
        };
        if path.exists() {
            let started = Instant::now();
            let file = CacheFile::read(&path)?;
            fingerprint.check(&file.fingerprint, &file.settings, &self.settings, &path)?;
            timings.file = started.elapsed().as_secs_f64();
            return Ok(CachedReference::new(file, path, false, timings));
        }
        let started = Instant::now();
        let mut logps = HashMap::new();
        let mut progress = BuildProgress::new(task);
        rows::for_each_task_batch(task, self.batch_size, device, &mut |batch| match batch {
            TaskBatch::Pairs(pairs) => {
                let (chosen, rejected) = reference.try_pair_token_logps(&pairs)?;
                progress.advance(pairs.len());
                rows::insert_rows(&mut logps, &pairs.chosen, chosen)?;
                rows::insert_rows(&mut logps, &pairs.rejected, rejected)
            }
            TaskBatch::Unpaired(unpaired) => {
                let values = reference.try_token_logps(&unpaired.sequences)?;
                progress.advance(unpaired.sequences.len());
                rows::insert_rows(&mut logps, &unpaired.sequences, values)
            }
        })?;
        timings.build = started.elapsed().as_secs_f64();
        let file = CacheFile {
            fingerprint,
            settings: self.settings.clone(),
            logps,
        };
        let started = Instant::now();
        file.write(&path)?;
        timings.file = started.elapsed().as_secs_f64();
        Ok(CachedReference::new(file, path, true, timings))
    }
}

/// A log line at most every [`BuildProgress::EVERY`] while the cache is built: examples done
/// of all, and the seconds left at the rate so far.
struct BuildProgress {
    total: usize,
    done: usize,
    started: Instant,
    last_line: Instant,
}

impl BuildProgress {
    const EVERY: std::time::Duration = std::time::Duration::from_secs(10);

    fn new(task: &dyn Task) -> Self {
        let total = [Split::Train, Split::Eval]
            .iter()
            .map(|&split| task.examples(split).unwrap_or(0))
            .sum();
        let now = Instant::now();
        Self {
            total,
            done: 0,
            started: now,
            last_line: now,
        }
    }

    fn advance(&mut self, examples: usize) {
        self.done += examples;
        let now = Instant::now();
        if now.duration_since(self.last_line) < Self::EVERY {
            return;
        }
        self.last_line = now;
        let rate = self.done as f64 / now.duration_since(self.started).as_secs_f64().max(1e-9);
        tracing::info!(
            examples = self.done,
            total = self.total,
            seconds_left = (self.total.saturating_sub(self.done) as f64 / rate).round(),
            "building the reference log-prob cache"
        );
    }
}
