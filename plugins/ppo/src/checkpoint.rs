//! Checkpoints of the on-policy algorithms: the offline trainer's
//! ([`prefopt_train::checkpoint`]: policy, optimizer, `state.json`) plus the critic, its
//! optimizer and the KL coefficient (`critic.bpk`, `critic_optimizer.bpk`, `rl_state.json`).
//!
//! The whole directory is assembled in a hidden staging folder of `checkpoints/` and renamed
//! into place, so a `step-*` directory is always complete.

use crate::critic::CriticModel;
use prefopt_core::burn::optim::ModuleOptimizer;
use prefopt_core::fs::write_atomic;
use prefopt_core::{Policy, PrefoptError};
use prefopt_train::checkpoint::{
    CHECKPOINTS, CheckpointState, checkpoint_dir, restore_training, write_checkpoint,
};
use prefopt_train::optimizer::TrainingOptimizer;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `rl_state.json`: what the on-policy loop carries between steps besides the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RlState {
    /// The KL coefficient reached (an adaptive controller moves it).
    pub kl_coef: f64,
}

const CRITIC: &str = "critic.bpk";
const CRITIC_OPTIMIZER: &str = "critic_optimizer.bpk";
const RL_STATE: &str = "rl_state.json";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PrefoptError + '_ {
    move |source| PrefoptError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes the checkpoint of `state.step` into `run_dir/checkpoints/` and returns its directory.
pub fn write_rl_checkpoint(
    run_dir: &Path,
    policy: &dyn Policy,
    optimizer: &ModuleOptimizer,
    critic: Option<(&CriticModel, &ModuleOptimizer)>,
    rl: RlState,
    state: CheckpointState,
) -> Result<PathBuf, PrefoptError> {
    let step = state.step;
    let staging = run_dir
        .join(CHECKPOINTS)
        .join(format!(".rl-step-{step:07}.{}.tmp", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
    }
    let written = write_checkpoint(&staging, policy, optimizer, state)?;
    if let Some((model, critic_optimizer)) = critic {
        model.save(&written.join(CRITIC))?;
        let path = written.join(CRITIC_OPTIMIZER);
        critic_optimizer
            .save(&path)
            .map_err(|error| io(&path)(std::io::Error::other(error.to_string())))?;
    }
    let json = serde_json::to_vec_pretty(&rl).expect("the RL state serializes");
    write_atomic(&written.join(RL_STATE), &json)?;
    let target = checkpoint_dir(run_dir, step);
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(io(&target))?;
    }
    std::fs::rename(&written, &target).map_err(io(&target))?;
    std::fs::remove_dir_all(&staging).map_err(io(&staging))?;
    Ok(target)
}

/// Restores a checkpoint written by [`write_rl_checkpoint`] into `policy`, fresh optimizers of
/// the run's configuration and the critic; returns the optimizers, the state and the RL state.
pub fn restore_rl_checkpoint(
    dir: &Path,
    policy: &mut dyn Policy,
    optimizer: TrainingOptimizer,
    critic: Option<(&mut CriticModel, ModuleOptimizer)>,
) -> Result<
    (
        TrainingOptimizer,
        Option<ModuleOptimizer>,
        CheckpointState,
        RlState,
    ),
    PrefoptError,
> {
    let (optimizer, state) = restore_training(dir, policy, optimizer)?;
    let critic_optimizer = match critic {
        Some((model, critic_optimizer)) => {
            model.load(&dir.join(CRITIC))?;
            let path = dir.join(CRITIC_OPTIMIZER);
            Some(
                critic_optimizer
                    .load(&path)
                    .map_err(|error| io(&path)(std::io::Error::other(error.to_string())))?,
            )
        }
        None => None,
    };
    let path = dir.join(RL_STATE);
    let text = std::fs::read_to_string(&path).map_err(io(&path))?;
    let rl = serde_json::from_str(&text).map_err(|error| PrefoptError::Parse {
        path: path.clone(),
        message: error.to_string(),
    })?;
    Ok((optimizer, critic_optimizer, state, rl))
}
