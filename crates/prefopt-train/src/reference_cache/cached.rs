//! [`CachedReference`]: precomputed reference log-probs in the reference role.

use super::CacheTimings;
use super::cache_file::CacheFile;
use super::fingerprint::Fingerprint;
use super::rows::{host_rows, row_key};
use prefopt_core::burn::tensor::{Tensor, TensorData};
use prefopt_core::{PrefoptError, ReferenceModel, SequenceBatch};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// pi_ref from a cache file: each row of a batch looked up by the hash of its (prompt,
/// completion) token ids ([`row_key`]), its per-token log-probs returned with no forward pass.
pub struct CachedReference {
    logps: HashMap<u128, Vec<f32>>,
    fingerprint: Fingerprint,
    path: PathBuf,
    built: bool,
    timings: CacheTimings,
}

impl std::fmt::Debug for CachedReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedReference")
            .field("path", &self.path)
            .field("rows", &self.logps.len())
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl CachedReference {
    /// The log-probs of `file`, read from (or written to, `built`) `path`.
    pub(super) fn new(file: CacheFile, path: PathBuf, built: bool, timings: CacheTimings) -> Self {
        Self {
            logps: file.logps,
            fingerprint: file.fingerprint,
            path,
            built,
            timings,
        }
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the log-probs were computed from.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// Whether the log-probs were computed now (`false`: read from an existing file).
    pub fn was_built(&self) -> bool {
        self.built
    }

    /// How long fingerprinting, building and the file took.
    pub fn timings(&self) -> CacheTimings {
        self.timings
    }

    /// The number of distinct (prompt, completion) rows held.
    pub fn len(&self) -> usize {
        self.logps.len()
    }

    /// Whether no row is held.
    pub fn is_empty(&self) -> bool {
        self.logps.is_empty()
    }

    /// The cached per-token log-probs of every row of `batch`, 0 on completion padding, on the
    /// batch's device.
    ///
    /// # Errors
    /// When a row is not in the cache (it names the row and its lengths).
    ///
    /// # Shapes
    /// `[batch, completion_len]`.
    pub fn lookup(&self, batch: &SequenceBatch) -> Result<Tensor<2>, PrefoptError> {
        let [rows, width] = batch.completions.dims();
        let mut values = vec![0.0f32; rows * width];
        for (row, (prompt, completion)) in host_rows(batch)?.into_iter().enumerate() {
            let cached = self
                .logps
                .get(&row_key(&prompt, &completion))
                .ok_or_else(|| {
                    PrefoptError::Data(format!(
                        "{}: no reference log-probs for row {row} of this batch ({} prompt and {} completion tokens, prompt starting {:?}): the cache holds the examples of the task it was built for, so this sequence is not one of them",
                        self.path.display(),
                        prompt.len(),
                        completion.len(),
                        &prompt[..prompt.len().min(8)]
                    ))
                })?;
            values[row * width..row * width + cached.len()].copy_from_slice(cached);
        }
        Ok(Tensor::from_data(
            TensorData::new(values, [rows, width]),
            &batch.completions.device(),
        ))
    }
}

impl ReferenceModel for CachedReference {
    /// [`lookup`](CachedReference::lookup).
    ///
    /// # Panics
    /// When a row is not in the cache, with [`lookup`](CachedReference::lookup)'s message
    /// ([`try_token_logps`](ReferenceModel::try_token_logps) returns it instead).
    fn token_logps(&self, batch: &SequenceBatch) -> Tensor<2> {
        self.lookup(batch).unwrap_or_else(|error| panic!("{error}"))
    }

    fn try_token_logps(&self, batch: &SequenceBatch) -> Result<Tensor<2>, PrefoptError> {
        self.lookup(batch)
    }
}
