//! Training checkpoints a run resumes from: `checkpoints/step-NNNNNNN/` in the run directory.
//!
//! | file | content |
//! |---|---|
//! | `policy.json` | the policy, readable ([`Policy::save`]) |
//! | `policy.bpk` | the parameters with their burn parameter ids ([`Policy::save_checkpoint`]) |
//! | `optimizer.bpk` | the optimizer state, keyed by those ids (burn's `ModuleOptimizer::save`) |
//! | `state.json` | the steps finished, the seed, the wall time so far |
//!
//! A checkpoint is written into a temporary directory beside its final name and renamed into
//! place, so a directory named `step-*` is always whole. The training data needs no saved random
//! state: the batch of step `t` is drawn from a generator keyed by `(seed, t)`
//! ([`crate::offline::batch_rng`]).

use prefopt_core::burn::optim::ModuleOptimizer;
use prefopt_core::fs::write_atomic;
use prefopt_core::{Policy, PrefoptError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The folder of the run directory that holds checkpoints.
pub const CHECKPOINTS: &str = "checkpoints";

/// `state.json` of a checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
/// returns its directory.
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
    policy.save(&temporary.join("policy.json"))?;
    state.resumable = match policy.save_checkpoint(&temporary.join("policy.bpk")) {
        Ok(()) => {
            let path = temporary.join("optimizer.bpk");
            optimizer.save(&path).map_err(|error| PrefoptError::Io {
                path: path.clone(),
                source: std::io::Error::other(error.to_string()),
            })?;
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

/// The resumable checkpoint of `run_dir` with the most steps, if any: its steps and directory.
pub fn latest_resumable(run_dir: &Path) -> Option<(usize, PathBuf)> {
    let entries = std::fs::read_dir(run_dir.join(CHECKPOINTS)).ok()?;
    entries
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("step-"))
        .filter_map(|entry| {
            let state = read_state(&entry.path()).ok()?;
            state.resumable.then_some((state.step, entry.path()))
        })
        .max_by_key(|(step, _)| *step)
}

/// Loads the checkpoint in `dir` into `policy` and `optimizer` (a fresh one of the same
/// configuration) and returns its state.
pub fn restore(
    dir: &Path,
    policy: &mut dyn Policy,
    optimizer: ModuleOptimizer,
) -> Result<(ModuleOptimizer, CheckpointState), PrefoptError> {
    let state = read_state(dir)?;
    if !state.resumable {
        return Err(PrefoptError::Incompatible(format!(
            "{}: this checkpoint holds no resumable state (the policy cannot write one)",
            dir.display()
        )));
    }
    // The parameters first: their restored ids are the keys of the optimizer's state.
    policy.load_checkpoint(&dir.join("policy.bpk"))?;
    let path = dir.join("optimizer.bpk");
    let optimizer = optimizer.load(&path).map_err(|error| PrefoptError::Io {
        path: path.clone(),
        source: std::io::Error::other(error.to_string()),
    })?;
    Ok((optimizer, state))
}
