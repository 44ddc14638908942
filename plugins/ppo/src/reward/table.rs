//! A reward model that is a `[contexts, outputs]` table, and its file `reward_model.json`.

use prefopt_core::burn::tensor::{Tensor, TensorData};
use prefopt_core::fs::write_atomic;
use prefopt_core::{PrefoptError, RewardModel, SequenceBatch};
use serde_json::{Value, json};
use std::path::Path;

/// The file a reward-model run writes into its run directory.
pub const REWARD_MODEL_FILE: &str = "reward_model.json";

/// `r(x, y)` looked up in a table, the context being the first prompt token and the output the
/// first completion token.
#[derive(Debug, Clone, PartialEq)]
pub struct RewardTable {
    contexts: usize,
    outputs: usize,
    rewards: Vec<f32>,
}

impl RewardTable {
    /// A table of `contexts x outputs` rewards (row-major), refusing a wrong size or a value
    /// that is not finite in f32.
    pub fn new(contexts: usize, outputs: usize, rewards: &[f64]) -> Result<Self, PrefoptError> {
        if rewards.len() != contexts * outputs {
            return Err(PrefoptError::Data(format!(
                "a {contexts} x {outputs} reward table needs {} values, got {}",
                contexts * outputs,
                rewards.len()
            )));
        }
        let rewards: Vec<f32> = rewards.iter().map(|&r| r as f32).collect();
        if let Some(index) = rewards.iter().position(|r| !r.is_finite()) {
            return Err(PrefoptError::Numerical(format!(
                "reward of context {}, output {} is {}: rewards must be finite f32 values",
                index / outputs,
                index % outputs,
                rewards[index]
            )));
        }
        Ok(Self {
            contexts,
            outputs,
            rewards,
        })
    }

    /// Number of contexts.
    pub fn contexts(&self) -> usize {
        self.contexts
    }

    /// Number of outputs per context.
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// The rewards, row-major.
    pub fn rewards(&self) -> &[f32] {
        &self.rewards
    }

    /// The table as JSON: `{"kind": "table", "contexts", "outputs", "rewards": [[...], ...]}`.
    pub fn to_json(&self) -> Value {
        let rows: Vec<&[f32]> = self.rewards.chunks(self.outputs).collect();
        json!({
            "kind": "table",
            "contexts": self.contexts,
            "outputs": self.outputs,
            "rewards": rows,
        })
    }

    /// Writes [`to_json`](Self::to_json) to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<(), PrefoptError> {
        let text = serde_json::to_string_pretty(&self.to_json()).expect("JSON values serialize");
        write_atomic(path, text.as_bytes())
    }

    /// Reads a table written by [`save`](Self::save), naming the file and the field on error.
    pub fn load(path: &Path) -> Result<Self, PrefoptError> {
        let text = std::fs::read_to_string(path).map_err(|source| PrefoptError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |message: String| PrefoptError::Parse {
            path: path.to_path_buf(),
            message,
        };
        let value: Value =
            serde_json::from_str(&text).map_err(|error| bad(format!("not JSON: {error}")))?;
        match value.get("kind").and_then(Value::as_str) {
            Some("table") => {}
            other => {
                return Err(bad(format!(
                    "field `kind`: expected \"table\" (a reward table), found {other:?}"
                )));
            }
        }
        let size = |field: &str| -> Result<usize, PrefoptError> {
            value
                .get(field)
                .and_then(Value::as_u64)
                .map(|n| n as usize)
                .ok_or_else(|| bad(format!("field `{field}`: expected a non-negative integer")))
        };
        let (contexts, outputs) = (size("contexts")?, size("outputs")?);
        let rows = value
            .get("rewards")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("field `rewards`: expected an array of rows".into()))?;
        if rows.len() != contexts {
            return Err(bad(format!(
                "field `rewards`: {} rows for {contexts} contexts",
                rows.len()
            )));
        }
        let mut rewards = Vec::with_capacity(contexts * outputs);
        for (context, row) in rows.iter().enumerate() {
            let row = row
                .as_array()
                .filter(|row| row.len() == outputs)
                .ok_or_else(|| {
                    bad(format!(
                        "field `rewards[{context}]`: expected an array of {outputs} numbers"
                    ))
                })?;
            for (output, reward) in row.iter().enumerate() {
                rewards.push(reward.as_f64().ok_or_else(|| {
                    bad(format!(
                        "field `rewards[{context}][{output}]`: expected a number, found {reward}"
                    ))
                })?);
            }
        }
        Self::new(contexts, outputs, &rewards).map_err(|error| bad(error.to_string()))
    }
}

impl RewardModel for RewardTable {
    fn score(&self, batch: &SequenceBatch) -> Tensor<1> {
        let device = batch.prompts.device();
        let table = Tensor::<1>::from_data(
            TensorData::new(self.rewards.clone(), [self.rewards.len()]),
            &device,
        );
        table.select(0, batch.table_index(self.outputs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prefopt_core::burn::tensor::Device;

    #[test]
    fn scores_by_lookup_and_round_trips_through_its_file() {
        let table = RewardTable::new(2, 3, &[1.0, -0.5, 0.0, 2.0, 0.25, -1.0]).unwrap();
        let device = Device::default();
        let batch = SequenceBatch::single_tokens(&[0, 1, 1], &[1, 0, 2], &device);
        let scores: Vec<f32> = table.score(&batch).into_data().try_into_vec().unwrap();
        assert_eq!(scores, vec![-0.5, 2.0, -1.0]);
        let dir = std::env::temp_dir().join(format!("prefopt-reward-table-{}", std::process::id()));
        let path = dir.join(REWARD_MODEL_FILE);
        table.save(&path).unwrap();
        assert_eq!(RewardTable::load(&path).unwrap(), table);
        std::fs::write(
            &path,
            r#"{"kind": "table", "contexts": 1, "outputs": 2, "rewards": [[1.0, "x"]]}"#,
        )
        .unwrap();
        let error = RewardTable::load(&path).unwrap_err().to_string();
        assert!(
            error.contains("rewards[0][1]") && error.contains(REWARD_MODEL_FILE),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_non_finite_rewards_and_wrong_sizes() {
        let error = RewardTable::new(1, 2, &[1.0, f64::NAN])
            .unwrap_err()
            .to_string();
        assert!(error.contains("context 0, output 1"), "{error}");
        assert!(RewardTable::new(1, 2, &[1e39, 0.0]).is_err());
        assert!(RewardTable::new(2, 2, &[0.0; 3]).is_err());
    }
}
