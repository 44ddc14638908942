//! The reference log-prob cache over a small task of token ids and a tiny causal LM: built
//! values equal the reference's, reuse runs no forward pass, a file made for other inputs is
//! refused naming the part that differs, a truncated or damaged file is refused, a row that is
//! not in the cache is a clear error.

use prefopt_core::burn::tensor::{Device, Tensor};
use prefopt_core::{
    ParameterVisit, Policy, PreferenceBatch, PrefoptError, ReferenceModel, SequenceBatch, Split,
    Task, TaskBatch, UnpairedBatch,
};
use prefopt_models::causal_lm::{CausalLmConfig, CausalLmPolicy};
use prefopt_train::reference_cache::{CacheFile, ReferenceCache};
use rand::rngs::StdRng;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A prompt with a chosen and a rejected completion, as token ids.
#[derive(Debug, Clone)]
struct Pair {
    prompt: Vec<u32>,
    chosen: Vec<u32>,
    rejected: Vec<u32>,
}

/// A finite task over token ids: training and held-out pairs, served as pairs or (`unpaired`)
/// as the chosen completions alone.
#[derive(Debug, Clone)]
struct IdTask {
    train: Vec<Pair>,
    eval: Vec<Pair>,
    unpaired: bool,
}

/// Deterministic ids in `3..64` from a linear congruential sequence seeded by `seed`.
fn ids(seed: &mut u64, len: usize) -> Vec<u32> {
    (0..len)
        .map(|_| {
            *seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            3 + ((*seed >> 33) % 61) as u32
        })
        .collect()
}

fn pairs(seed: u64, count: usize) -> Vec<Pair> {
    let mut state = seed;
    (0..count)
        .map(|i| Pair {
            prompt: ids(&mut state, 1 + i % 6),
            chosen: ids(&mut state, 1 + (i * 7) % 5),
            rejected: ids(&mut state, 1 + (i * 3) % 4),
        })
        .collect()
}

fn task() -> IdTask {
    IdTask {
        train: pairs(11, 10),
        eval: pairs(99, 3),
        unpaired: false,
    }
}

impl IdTask {
    fn split(&self, split: Split) -> &[Pair] {
        match split {
            Split::Train => &self.train,
            Split::Eval => &self.eval,
        }
    }
}

fn sequences(rows: &[(Vec<u32>, Vec<u32>)], device: &Device) -> SequenceBatch {
    let (prompts, completions): (Vec<_>, Vec<_>) = rows.iter().cloned().unzip();
    SequenceBatch::from_ids(&prompts, &completions, 0, device).unwrap()
}

impl Task for IdTask {
    fn training_batch(&self, _: &mut StdRng, _: usize, _: &Device) -> PreferenceBatch {
        unreachable!("the cache reads examples by position")
    }

    fn num_pairs(&self) -> Option<usize> {
        Some(self.train.len())
    }

    fn examples(&self, split: Split) -> Option<usize> {
        Some(self.split(split).len())
    }

    fn batch_at(
        &self,
        split: Split,
        indices: &[usize],
        device: &Device,
    ) -> Result<TaskBatch, PrefoptError> {
        let chosen: Vec<_> = indices
            .iter()
            .map(|&i| {
                let pair = &self.split(split)[i];
                (pair.prompt.clone(), pair.chosen.clone())
            })
            .collect();
        if self.unpaired {
            return Ok(TaskBatch::Unpaired(UnpairedBatch {
                sequences: sequences(&chosen, device),
                desirable: Tensor::ones([chosen.len()], device),
                weights: None,
            }));
        }
        let rejected: Vec<_> = indices
            .iter()
            .map(|&i| {
                let pair = &self.split(split)[i];
                (pair.prompt.clone(), pair.rejected.clone())
            })
            .collect();
        Ok(TaskBatch::Pairs(PreferenceBatch {
            chosen: sequences(&chosen, device),
            rejected: sequences(&rejected, device),
            weights: None,
        }))
    }
}

/// A reference that counts its forward passes.
#[derive(Debug)]
struct Counting {
    inner: Box<dyn ReferenceModel>,
    forwards: AtomicUsize,
}

/// Held while a model is drawn: the device's RNG is shared by the tests running at once.
static DRAWING: Mutex<()> = Mutex::new(());

impl Counting {
    /// The frozen tiny random model of `seed`, its parameters drawn at once.
    fn new(seed: u64) -> Self {
        let _drawing = DRAWING.lock().unwrap();
        let policy = CausalLmPolicy::random(CausalLmConfig::tiny(), seed, &Device::default());
        let inner = policy.unwrap().freeze();
        inner.visit_parameters(&mut |_, _, _| {});
        Self {
            inner,
            forwards: AtomicUsize::new(0),
        }
    }

    fn forwards(&self) -> usize {
        self.forwards.load(Ordering::SeqCst)
    }
}

impl ReferenceModel for Counting {
    fn token_logps(&self, batch: &SequenceBatch) -> Tensor<2> {
        self.forwards.fetch_add(1, Ordering::SeqCst);
        self.inner.token_logps(batch)
    }

    fn visit_parameters(&self, visit: &mut ParameterVisit<'_>) -> bool {
        self.inner.visit_parameters(visit)
    }
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_into_vec_as::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Every chosen and rejected row of both splits, in one batch (a composition the cache was
/// not built with).
fn all_rows(task: &IdTask, device: &Device) -> SequenceBatch {
    let rows: Vec<_> = task
        .train
        .iter()
        .chain(&task.eval)
        .flat_map(|pair| {
            [
                (pair.prompt.clone(), pair.chosen.clone()),
                (pair.prompt.clone(), pair.rejected.clone()),
            ]
        })
        .rev()
        .collect();
    sequences(&rows, device)
}

fn cache(dir: &Path, settings: &str) -> ReferenceCache {
    ReferenceCache::new(settings)
        .with_path(dir.join("reference.bin"))
        .with_batch_size(4)
}

#[test]
fn a_built_cache_gives_the_reference_log_probs() {
    let device = Device::default();
    let dir = tempfile::tempdir().unwrap();
    let task = task();
    let reference = Counting::new(3);
    let cached = cache(dir.path(), "max_length=16")
        .load_or_build(&task, &reference, &device)
        .unwrap();
    assert!(cached.was_built());
    // Train: 10 pairs in batches of 4 (3 batches), eval: 3 pairs (1): chosen and rejected each.
    assert_eq!(reference.forwards(), 2 * (3 + 1));
    assert_eq!(cached.len(), 2 * (10 + 3));
    let batch = all_rows(&task, &device);
    let expected = values(reference.token_logps(&batch));
    let found = values(cached.token_logps(&batch));
    let diff = max_abs_diff(&expected, &found);
    assert!(diff < 1e-6, "cached log-probs differ by {diff}");
    let diff = max_abs_diff(
        &values(reference.sequence_logps(&batch)),
        &values(cached.sequence_logps(&batch)),
    );
    assert!(diff < 1e-5, "summed log-probs differ by {diff}");
    assert!(
        found.iter().all(|v| *v <= 0.0) && found.iter().any(|v| *v < 0.0),
        "log-probs, zero on padding"
    );
}

#[test]
fn unpaired_examples_are_cached_too() {
    let device = Device::default();
    let dir = tempfile::tempdir().unwrap();
    let task = IdTask {
        unpaired: true,
        ..task()
    };
    let reference = Counting::new(3);
    let cached = cache(dir.path(), "")
        .load_or_build(&task, &reference, &device)
        .unwrap();
    assert_eq!(cached.len(), 10 + 3);
    let TaskBatch::Unpaired(batch) = task.batch_at(Split::Train, &[9, 0, 4], &device).unwrap()
    else {
        panic!("unpaired")
    };
    let diff = max_abs_diff(
        &values(reference.token_logps(&batch.sequences)),
        &values(cached.token_logps(&batch.sequences)),
    );
    assert!(diff < 1e-6, "{diff}");
}

#[test]
fn reuse_runs_no_reference_forward() {
    let device = Device::default();
    let dir = tempfile::tempdir().unwrap();
    let task = task();
    let first = cache(dir.path(), "s")
        .load_or_build(&task, &Counting::new(3), &device)
        .unwrap();
    let reference = Counting::new(3);
    let again = cache(dir.path(), "s")
        .load_or_build(&task, &reference, &device)
        .unwrap();
    assert_eq!(reference.forwards(), 0, "no forward pass on reuse");
    assert!(!again.was_built());
    assert_eq!(again.timings().build, 0.0);
    assert_eq!(again.fingerprint(), first.fingerprint());
    let batch = all_rows(&task, &device);
    assert_eq!(
        values(again.token_logps(&batch)),
        values(first.token_logps(&batch))
    );
}

#[test]
fn a_cache_for_other_inputs_is_refused_naming_the_part() {
    let device = Device::default();
    let dir = tempfile::tempdir().unwrap();
    let task = task();
    cache(dir.path(), "max_length=16")
        .load_or_build(&task, &Counting::new(3), &device)
        .unwrap();
    let refused = |task: &IdTask, settings: &str, seed: u64| -> String {
        let reference = Counting::new(seed);
        let error = cache(dir.path(), settings)
            .load_or_build(task, &reference, &device)
            .unwrap_err()
            .to_string();
        assert_eq!(reference.forwards(), 0);
        assert!(error.contains("reference.bin"), "{error}");
        error
    };

    let mut other_data = task.clone();
    other_data.train[4].rejected[0] += 1;
    let error = refused(&other_data, "max_length=16", 3);
    assert!(
        error.contains("the data differ")
            && !error.contains("settings differ")
            && !error.contains("weights differ"),
        "{error}"
    );

    let error = refused(&task, "max_length=32", 3);
    assert!(
        error.contains("the tokenization settings differ")
            && error.contains("\"max_length=16\"")
            && error.contains("\"max_length=32\"")
            && !error.contains("data differ")
            && !error.contains("weights differ"),
        "{error}"
    );

    let error = refused(&task, "max_length=16", 4);
    assert!(
        error.contains("the reference weights differ")
            && !error.contains("data differ")
            && !error.contains("settings differ"),
        "{error}"
    );
    assert!(
        error.contains("delete the file or give another path"),
        "{error}"
    );
}

#[test]
fn a_truncated_or_damaged_file_is_refused() {
    let device = Device::default();
    let dir = tempfile::tempdir().unwrap();
    let task = task();
    let cached = cache(dir.path(), "s")
        .load_or_build(&task, &Counting::new(3), &device)
        .unwrap();
    let path = cached.path().to_path_buf();
    let bytes = std::fs::read(&path).unwrap();
    let load = || {
        cache(dir.path(), "s")
            .load_or_build(&task, &Counting::new(3), &device)
            .map(|_| ())
            .map_err(|error| error.to_string())
    };

    std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
    let error = load().unwrap_err();
    assert!(
        error.contains("reference.bin") && error.contains("truncated"),
        "{error}"
    );
    std::fs::write(&path, &bytes[..12]).unwrap();
    let error = load().unwrap_err();
    assert!(error.contains("truncated to 12 bytes"), "{error}");

    let mut flipped = bytes.clone();
    let middle = flipped.len() - 40;
    flipped[middle] ^= 0x40;
    std::fs::write(&path, &flipped).unwrap();
    let error = load().unwrap_err();
    assert!(error.contains("checksum"), "{error}");

    std::fs::write(&path, b"{\"not\": \"a cache file at all\"}").unwrap();
    let error = load().unwrap_err();
    assert!(error.contains("does not start with"), "{error}");

    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(load(), Ok(()), "the intact file is read again");
    assert_eq!(
        CacheFile::from_bytes(&bytes, &path).unwrap().to_bytes(),
        bytes,
        "a file reads back to the same bytes"
    );
}

#[test]
fn a_row_outside_the_cache_is_a_clear_error() {
    let device = Device::default();
    let dir = tempfile::tempdir().unwrap();
    let task = task();
    let cached = cache(dir.path(), "s")
        .load_or_build(&task, &Counting::new(3), &device)
        .unwrap();
    let pair = &task.train[2];
    let batch = sequences(
        &[
            (pair.prompt.clone(), pair.chosen.clone()),
            (pair.prompt.clone(), vec![5, 5, 5, 5, 5, 5, 5]),
        ],
        &device,
    );
    let error = cached.try_token_logps(&batch).unwrap_err().to_string();
    assert!(
        error.contains("no reference log-probs for row 1")
            && error.contains("7 completion tokens")
            && error.contains("reference.bin"),
        "{error}"
    );
}

/// A task whose data are sampled, not read by position.
#[derive(Debug)]
struct Sampled;

impl Task for Sampled {
    fn training_batch(&self, _: &mut StdRng, _: usize, _: &Device) -> PreferenceBatch {
        unreachable!()
    }

    fn num_pairs(&self) -> Option<usize> {
        None
    }
}

#[test]
fn the_default_location_is_keyed_by_the_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: the only test of this binary that reads or writes the environment.
    unsafe { std::env::set_var("PREFOPT_CACHE", dir.path()) };
    let device = Device::default();
    let cached = ReferenceCache::new("s")
        .load_or_build(&task(), &Counting::new(3), &device)
        .unwrap();
    let expected = dir
        .path()
        .join("reference-logps")
        .join(format!("{}.bin", cached.fingerprint().combined()));
    assert_eq!(cached.path(), expected);
    assert!(expected.is_file());
    let entries = std::fs::read_dir(dir.path().join("reference-logps"))
        .unwrap()
        .count();
    assert_eq!(entries, 1, "no temporary file is left");

    let error = ReferenceCache::new("s")
        .load_or_build(&Sampled, &Counting::new(3), &device)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("finite data set read by position"),
        "{error}"
    );
}
