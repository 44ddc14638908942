//! Training checkpoints a run resumes from: `checkpoints/step-NNNNNNN/` in the run directory.
//!
//! | file | content |
//! |---|---|
//! | `policy.json` | the policy, readable ([`Policy::save`]), for policies saved as JSON |
//! | `policy.bpk` | the parameters with their burn parameter ids ([`Policy::save_checkpoint`]) |
//! | `optimizer.bpk` | the optimizer state, keyed by those ids (burn's `ModuleOptimizer::save`) |
//! | `state.json` | the steps finished, the seed, the wall time so far, the learning-rate schedule, the data position, and the size and digest of each `.bpk` file |
//!
//! A checkpoint is written into a temporary directory beside its final name and renamed into
//! place, so a directory named `step-*` is always whole when written; one damaged afterwards
//! (cut short, overwritten) no longer matches the sizes and digests its `state.json` records and
//! is skipped by [`latest_resumable`], with a warning naming it, for the previous good one. The
//! training data needs no saved random state: the batches of step `t` are a function of
//! `(seed, t)` ([`crate::offline::batch_rng`], [`crate::data_order`]), and so is the learning
//! rate ([`crate::schedule`]).

use crate::data_order::DataPosition;
use crate::optimizer::TrainingOptimizer;
use crate::schedule::LrSchedule;
use prefopt_core::burn::optim::ModuleOptimizer;
use prefopt_core::fs::write_atomic;
use prefopt_core::{Policy, PrefoptError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use tracing::warn;

/// The folder of the run directory that holds checkpoints.
pub const CHECKPOINTS: &str = "checkpoints";

/// The files of a checkpoint whose integrity `state.json` records.
const VERIFIED_FILES: [&str; 2] = ["policy.bpk", "optimizer.bpk"];

/// `state.json` of a checkpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckpointState {
    /// Optimizer steps finished.
    pub step: usize,
    /// The run's seed.
    pub seed: u64,
    /// Training wall time up to this checkpoint, summed over every start of the run.
    pub wall_seconds: f64,
    /// Whether `policy.bpk` and `optimizer.bpk` were written (policies that cannot write a
    /// resumable checkpoint leave only `policy.json`).
    pub resumable: bool,
    /// The learning-rate schedule (a function of the step: recorded for reading, recomputed on
    /// resume).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<LrSchedule>,
    /// The learning rate of the next step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning_rate: Option<f64>,
    /// Where the next step reads in a finite training set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataPosition>,
    /// Size and digest of each `.bpk` file, checked before the checkpoint is used.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, FileDigest>,
}

impl CheckpointState {
    /// The state of a resumable checkpoint after `step` steps of a run seeded with `seed` and
    /// trained `wall_seconds` so far on `schedule`, recording the next step's learning rate; no
    /// data position and no file digests (the writer adds those).
    pub fn resumable_at(step: usize, seed: u64, wall_seconds: f64, schedule: LrSchedule) -> Self {
        Self {
            step,
            seed,
            wall_seconds,
            resumable: true,
            schedule: Some(schedule),
            learning_rate: Some(schedule.lr(step)),
            ..Self::default()
        }
    }

    /// Refuses to resume a run seeded with `seed` from this state, read from the checkpoint
    /// `dir`, when the checkpoint was trained with another seed (its batches would differ).
    pub fn check_seed(&self, dir: &Path, seed: u64) -> Result<(), PrefoptError> {
        if self.seed != seed {
            return Err(PrefoptError::Incompatible(format!(
                "{}: the checkpoint was trained with seed {}, this run has seed {seed}",
                dir.display(),
                self.seed
            )));
        }
        Ok(())
    }
}

/// The size and FNV-1a 64-bit digest of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// Bytes.
    pub bytes: u64,
    /// FNV-1a 64 of the content, 16 hexadecimal digits.
    pub fnv1a64: String,
}

impl FileDigest {
    /// Reads `path` through.
    pub fn of(path: &Path) -> Result<Self, PrefoptError> {
        let mut file = std::fs::File::open(path).map_err(io(path))?;
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut bytes = 0u64;
        let mut buffer = vec![0u8; 1 << 20];
        loop {
            let read = file.read(&mut buffer).map_err(io(path))?;
            if read == 0 {
                break;
            }
            for &byte in &buffer[..read] {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
            bytes += read as u64;
        }
        Ok(Self {
            bytes,
            fnv1a64: format!("{hash:016x}"),
        })
    }
}

/// `run_dir/checkpoints/step-NNNNNNN`.
pub fn checkpoint_dir(run_dir: &Path, step: usize) -> PathBuf {
    run_dir.join(CHECKPOINTS).join(format!("step-{step:07}"))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PrefoptError + '_ {
    move |source| PrefoptError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes the checkpoint of `state.step` into `run_dir` (replacing one of the same step) and
/// returns its directory. The sizes and digests of the `.bpk` files are added to `state`.
pub fn write_checkpoint(
    run_dir: &Path,
    policy: &dyn Policy,
    optimizer: &ModuleOptimizer,
    mut state: CheckpointState,
) -> Result<PathBuf, PrefoptError> {
    let target = checkpoint_dir(run_dir, state.step);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned());
    let temporary = target.with_file_name(format!(
        ".{}.{}.tmp",
        name.unwrap_or_default(),
        std::process::id()
    ));
    if temporary.exists() {
        std::fs::remove_dir_all(&temporary).map_err(io(&temporary))?;
    }
    std::fs::create_dir_all(&temporary).map_err(io(&temporary))?;
    // A policy saved as a burnpack file is readable from the checkpoint's own `policy.bpk`.
    if policy.file_name() == "policy.json" {
        policy.save(&temporary.join("policy.json"))?;
    }
    state.files.clear();
    state.resumable = match policy.save_checkpoint(&temporary.join("policy.bpk")) {
        Ok(()) => {
            let path = temporary.join("optimizer.bpk");
            optimizer.save(&path).map_err(|error| PrefoptError::Io {
                path: path.clone(),
                source: std::io::Error::other(error.to_string()),
            })?;
            for file in VERIFIED_FILES {
                state
                    .files
                    .insert(file.to_string(), FileDigest::of(&temporary.join(file))?);
            }
            true
        }
        Err(PrefoptError::Incompatible(_)) => false,
        Err(other) => return Err(other),
    };
    let json = serde_json::to_vec_pretty(&state).expect("a checkpoint state serializes");
    write_atomic(&temporary.join("state.json"), &json)?;
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(io(&target))?;
    }
    std::fs::rename(&temporary, &target).map_err(io(&target))?;
    Ok(target)
}

/// Reads a checkpoint's `state.json`.
pub fn read_state(dir: &Path) -> Result<CheckpointState, PrefoptError> {
    let path = dir.join("state.json");
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    serde_json::from_str(&text).map_err(|error| PrefoptError::Parse {
        path,
        message: error.to_string(),
    })
}

/// The checkpoint directories of `run_dir` with their steps (from their names), oldest first.
pub fn checkpoints(run_dir: &Path) -> Vec<(usize, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(run_dir.join(CHECKPOINTS)) else {
        return Vec::new();
    };
    let mut found: Vec<(usize, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let step = name.strip_prefix("step-")?.parse().ok()?;
            entry.path().is_dir().then(|| (step, entry.path()))
        })
        .collect();
    found.sort();
    found
}

/// Checks that the checkpoint in `dir` can be resumed from: `state.json` reads, says the
/// checkpoint is resumable, and each `.bpk` file has the size and digest it records.
///
/// # Errors
/// [`PrefoptError::Incompatible`] saying which file is missing, cut short or altered.
pub fn verify(dir: &Path) -> Result<CheckpointState, PrefoptError> {
    let state = read_state(dir)?;
    if !state.resumable {
        return Err(PrefoptError::Incompatible(format!(
            "{}: this checkpoint holds no resumable state (the policy cannot write one)",
            dir.display()
        )));
    }
    for file in VERIFIED_FILES {
        let path = dir.join(file);
        if !path.is_file() {
            return Err(PrefoptError::Incompatible(format!(
                "{}: missing",
                path.display()
            )));
        }
        let Some(recorded) = state.files.get(file) else {
            continue;
        };
        let found = FileDigest::of(&path)?;
        if found.bytes != recorded.bytes {
            return Err(PrefoptError::Incompatible(format!(
                "{}: {} bytes, but state.json records {} (cut short or replaced)",
                path.display(),
                found.bytes,
                recorded.bytes
            )));
        }
        if found.fnv1a64 != recorded.fnv1a64 {
            return Err(PrefoptError::Incompatible(format!(
                "{}: its content differs from what state.json records (digest {}, not {})",
                path.display(),
                found.fnv1a64,
                recorded.fnv1a64
            )));
        }
    }
    Ok(state)
}

/// The newest checkpoint of `run_dir` that [`verify`] accepts: its steps and directory. Newer
/// ones that fail are skipped with a warning naming them and why.
pub fn latest_resumable(run_dir: &Path) -> Option<(usize, PathBuf)> {
    checkpoints(run_dir).into_iter().rev().find_map(|(_, dir)| {
        match verify(&dir) {
            Ok(state) => Some((state.step, dir)),
            Err(reason) => {
                warn!(checkpoint = %dir.display(), %reason, "skipping a checkpoint that cannot be resumed from");
                None
            }
        }
    })
}

/// Removes the oldest checkpoints of `run_dir` so that at most `keep` remain (transformers'
/// `save_total_limit`); returns the directories removed.
pub fn prune_checkpoints(run_dir: &Path, keep: usize) -> Result<Vec<PathBuf>, PrefoptError> {
    let all = checkpoints(run_dir);
    let excess = all.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for (_, dir) in all.into_iter().take(excess) {
        std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
        removed.push(dir);
    }
    Ok(removed)
}

/// Loads the checkpoint in `dir` into `policy` and `optimizer` (a fresh one of the same
/// configuration) after [`verify`]ing it, and returns its state.
pub fn restore(
    dir: &Path,
    policy: &mut dyn Policy,
    optimizer: ModuleOptimizer,
) -> Result<(ModuleOptimizer, CheckpointState), PrefoptError> {
    let state = verify(dir)?;
    // The parameters first: their restored ids are the keys of the optimizer's state.
    policy.load_checkpoint(&dir.join("policy.bpk"))?;
    let path = dir.join("optimizer.bpk");
    let optimizer = optimizer.load(&path).map_err(|error| PrefoptError::Io {
        path: path.clone(),
        source: std::io::Error::other(error.to_string()),
    })?;
    Ok((optimizer, state))
}

/// [`restore`] for a [`TrainingOptimizer`].
pub fn restore_training(
    dir: &Path,
    policy: &mut dyn Policy,
    optimizer: TrainingOptimizer,
) -> Result<(TrainingOptimizer, CheckpointState), PrefoptError> {
    let state = verify(dir)?;
    policy.load_checkpoint(&dir.join("policy.bpk"))?;
    let optimizer = optimizer.load(&dir.join("optimizer.bpk"))?;
    Ok((optimizer, state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_its_published_vectors() {
        let dir = std::env::temp_dir().join(format!("prefopt-fnv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Vectors of the FNV reference (Fowler, Noll, Vo): "" and "a".
        for (content, digest) in [
            (&b""[..], "cbf29ce484222325"),
            (&b"a"[..], "af63dc4c8601ec8c"),
            (&b"foobar"[..], "85944171f73967e8"),
        ] {
            let path = dir.join("file");
            std::fs::write(&path, content).unwrap();
            let found = FileDigest::of(&path).unwrap();
            assert_eq!(found.bytes, content.len() as u64);
            assert_eq!(found.fnv1a64, digest, "{content:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn pruning_keeps_the_newest() {
        let run = std::env::temp_dir().join(format!("prefopt-prune-{}", std::process::id()));
        for step in [3, 10, 7, 1] {
            std::fs::create_dir_all(checkpoint_dir(&run, step)).unwrap();
        }
        let removed = prune_checkpoints(&run, 2).unwrap();
        assert_eq!(
            removed,
            vec![checkpoint_dir(&run, 1), checkpoint_dir(&run, 3)]
        );
        let left: Vec<usize> = checkpoints(&run).into_iter().map(|(s, _)| s).collect();
        assert_eq!(left, vec![7, 10]);
        std::fs::remove_dir_all(&run).unwrap();
    }
}
