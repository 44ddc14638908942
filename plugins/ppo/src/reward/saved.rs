//! `[reward] type = "saved"`: a reward model written by an earlier `reward_model` run.

use super::network_file::load_network;
use super::table::{REWARD_MODEL_FILE, RewardTable};
use prefopt_core::burn::tensor::Device;
use prefopt_core::{BuiltReward, ConfigError, PrefoptError, RewardConfig, Task, plugin};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A reward model loaded from a run directory written by `[algorithm] type = "reward_model"`
/// (its `reward_model.json`: a table, or a network with its `reward_model.bpk`), or from that
/// file itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saved {
    /// The run directory, or the `reward_model.json` in it.
    pub path: PathBuf,
}

impl Default for Saved {
    fn default() -> Self {
        Self {
            path: PathBuf::from("runs/reward-model"),
        }
    }
}

#[plugin(
    name = "saved",
    summary = "A reward model written by an earlier `reward_model` run",
    paper = "arXiv:2203.02155"
)]
impl RewardConfig for Saved {
    fn build<'t>(
        &self,
        task: &'t dyn Task,
        _seed: u64,
        device: &Device,
    ) -> Result<BuiltReward<'t>, PrefoptError> {
        let path = if self.path.is_dir() {
            self.path.join(REWARD_MODEL_FILE)
        } else {
            self.path.clone()
        };
        if !path.is_file() {
            return Err(PrefoptError::Io {
                path: path.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!(
                        "reward.path: no {REWARD_MODEL_FILE} here; give the run directory of an \
                         `[algorithm] type = \"reward_model\"` run, or its {REWARD_MODEL_FILE}"
                    ),
                ),
            });
        }
        let value = read_json(&path)?;
        match value.get("kind").and_then(Value::as_str) {
            Some("table") => {}
            Some("encoder" | "causal_lm") => {
                return Ok(BuiltReward {
                    model: load_network(&path, &value, device)?,
                    metrics: Vec::new(),
                });
            }
            other => {
                return Err(PrefoptError::Parse {
                    path,
                    message: format!(
                        "field `kind`: expected \"table\", \"encoder\" or \"causal_lm\", \
                         found {other:?}"
                    ),
                });
            }
        }
        let table = RewardTable::load(&path)?;
        if let Some(truth) = task.truth()
            && (truth.contexts, truth.outputs) != (table.contexts(), table.outputs())
        {
            return Err(PrefoptError::Incompatible(format!(
                "{}: the reward table is {} contexts x {} outputs, the task has {} x {}",
                path.display(),
                table.contexts(),
                table.outputs(),
                truth.contexts,
                truth.outputs
            )));
        }
        Ok(BuiltReward {
            model: Box::new(table),
            metrics: Vec::new(),
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.path.as_os_str().is_empty() {
            return Err(ConfigError::new(
                "path",
                "give the run directory of a `reward_model` run (or its reward_model.json)",
            ));
        }
        Ok(())
    }
}

/// The JSON of `path`, naming the file on error.
fn read_json(path: &Path) -> Result<Value, PrefoptError> {
    let text = std::fs::read_to_string(path).map_err(|source| PrefoptError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|error| PrefoptError::Parse {
        path: path.to_path_buf(),
        message: format!("not JSON: {error}"),
    })
}
