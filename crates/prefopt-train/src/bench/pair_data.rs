//! [`BenchPairs`]: random preference pairs of fixed lengths, as a finite task.

use prefopt_core::burn::tensor::Device;
use prefopt_core::{PreferenceBatch, PrefoptError, Split, Task, TaskBatch};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// `pairs` preference pairs of uniformly random token ids: each prompt of `prompt_len` tokens is
/// shared by its chosen and its rejected completion, each of `completion_len` tokens. A finite
/// data set read by position (its training split is every pair, its held-out split empty), so
/// the reference log-prob cache can be built over it as over a preference file.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchPairs {
    /// Prompt ids per pair.
    pub prompts: Vec<Vec<u32>>,
    /// Chosen completion ids per pair.
    pub chosen: Vec<Vec<u32>>,
    /// Rejected completion ids per pair.
    pub rejected: Vec<Vec<u32>>,
}

impl BenchPairs {
    /// Random pairs over a vocabulary of `vocab` ids, drawn from a generator seeded by `seed`.
    ///
    /// # Errors
    /// When `pairs`, `prompt_len`, `completion_len` or `vocab` is 0.
    pub fn random(
        pairs: usize,
        prompt_len: usize,
        completion_len: usize,
        vocab: usize,
        seed: u64,
    ) -> Result<Self, PrefoptError> {
        for (name, value) in [
            ("pairs", pairs),
            ("prompt length", prompt_len),
            ("completion length", completion_len),
            ("vocabulary", vocab),
        ] {
            if value == 0 {
                return Err(PrefoptError::Data(format!(
                    "benchmark pairs: the {name} must be at least 1"
                )));
            }
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let mut draw = |len: usize| -> Vec<Vec<u32>> {
            (0..pairs)
                .map(|_| {
                    (0..len)
                        .map(|_| rng.random_range(0..vocab as u32))
                        .collect()
                })
                .collect()
        };
        Ok(Self {
            prompts: draw(prompt_len),
            chosen: draw(completion_len),
            rejected: draw(completion_len),
        })
    }

    /// The pairs at `indices` as one batch on `device`.
    ///
    /// # Errors
    /// When an index is out of range.
    pub fn batch(
        &self,
        indices: &[usize],
        device: &Device,
    ) -> Result<PreferenceBatch, PrefoptError> {
        let pick = |rows: &[Vec<u32>]| -> Result<Vec<Vec<u32>>, PrefoptError> {
            indices
                .iter()
                .map(|&index| {
                    rows.get(index).cloned().ok_or_else(|| {
                        PrefoptError::Data(format!(
                            "benchmark pair {index} does not exist: there are {}",
                            rows.len()
                        ))
                    })
                })
                .collect()
        };
        PreferenceBatch::from_ids(
            &pick(&self.prompts)?,
            &pick(&self.chosen)?,
            &pick(&self.rejected)?,
            0,
            device,
        )
    }

    /// Every pair as one batch on `device`.
    pub fn all(&self, device: &Device) -> Result<PreferenceBatch, PrefoptError> {
        self.batch(&(0..self.prompts.len()).collect::<Vec<_>>(), device)
    }
}

impl Task for BenchPairs {
    /// Every pair, whatever `batch_size` asks.
    fn training_batch(
        &self,
        _rng: &mut StdRng,
        _batch_size: usize,
        device: &Device,
    ) -> PreferenceBatch {
        self.all(device)
            .expect("benchmark pairs are non-empty and their indices in range")
    }

    fn num_pairs(&self) -> Option<usize> {
        Some(self.prompts.len())
    }

    fn examples(&self, split: Split) -> Option<usize> {
        Some(match split {
            Split::Train => self.prompts.len(),
            Split::Eval => 0,
        })
    }

    fn batch_at(
        &self,
        split: Split,
        indices: &[usize],
        device: &Device,
    ) -> Result<TaskBatch, PrefoptError> {
        match split {
            Split::Train => Ok(TaskBatch::Pairs(self.batch(indices, device)?)),
            Split::Eval => Err(PrefoptError::Data(
                "benchmark pairs have no held-out split".into(),
            )),
        }
    }
}
