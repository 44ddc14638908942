//! The experiment config (TOML).

use crate::config_location::{ConfigDocument, LocatedConfigError};
use crate::{
    Algorithm, ConfigError, PolicyConfig, PrefoptError, RewardConfig, TaskConfig, TrainConfig,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A whole experiment: `seed`, `[task]`, `[policy]`, `[reward]` (optional), `[algorithm]`,
/// `[train]`.
///
/// ```toml
/// seed = 7
/// [task]
/// type = "bandit"
/// [policy]
/// type = "tabular"
/// [algorithm]
/// type = "offline"
/// [algorithm.objective]
/// type = "dpo"
/// beta = 0.5
/// [train]
/// steps = 3000
/// ```
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    /// Seeds every random choice of the run.
    #[serde(default)]
    pub seed: u64,
    /// Where the data comes from.
    pub task: Box<dyn TaskConfig>,
    /// The policy trained.
    pub policy: Box<dyn PolicyConfig>,
    /// The reward model, for algorithms that score completions (PPO, GRPO, RLOO).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reward: Option<Box<dyn RewardConfig>>,
    /// What the run does.
    pub algorithm: Box<dyn Algorithm>,
    /// Optimization settings.
    #[serde(default)]
    pub train: TrainConfig,
}

impl ExperimentConfig {
    /// Parses and validates a config; `path` names the file in errors, which give the line
    /// and column of the offending value and its dotted field path
    /// ([`parse_located`](Self::parse_located)).
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Self, PrefoptError> {
        Ok(Self::parse_located(text, path)?)
    }

    /// Parses and validates a config. Every error — TOML syntax, an unknown plugin or field, a
    /// value of the wrong type, a value `validate()` refuses — says the line and column of the
    /// offending value (of its section when the value is a default not written in the file),
    /// the dotted field path and what was expected.
    pub fn parse_located(text: &str, path: &Path) -> Result<Self, LocatedConfigError> {
        let document = ConfigDocument::parse(text, path)?;
        let mut config: Self = document.deserialize()?;
        let defaults = config.policy.train_defaults();
        config.train.resolve(&defaults);
        config
            .validate()
            .map_err(|error| document.locate_field(&error.field, &error.message))?;
        Ok(config)
    }

    /// Reads, parses and validates a config file.
    pub fn load(path: &Path) -> Result<Self, PrefoptError> {
        let text = std::fs::read_to_string(path).map_err(|source| PrefoptError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text, path)
    }

    /// Checks every section's values.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.task.validate().map_err(|e| prefix("task", e))?;
        self.policy.validate().map_err(|e| prefix("policy", e))?;
        if let Some(reward) = &self.reward {
            reward.validate().map_err(|e| prefix("reward", e))?;
        }
        self.algorithm
            .validate()
            .map_err(|e| prefix("algorithm", e))?;
        self.train.validate().map_err(|e| prefix("train", e))
    }

    /// The config as TOML, every default written out (the run directory's `config.toml`).
    pub fn to_toml(&self) -> Result<String, PrefoptError> {
        toml::to_string(self).map_err(|error| PrefoptError::Parse {
            path: "config.toml".into(),
            message: error.to_string(),
        })
    }
}

fn prefix(section: &str, error: ConfigError) -> ConfigError {
    ConfigError::new(format!("{section}.{}", error.field), error.message)
}

/// Refuses a value that overflows f32, the type of every tensor it meets: burn computes updates
/// and clipping norms in f32, where a larger magnitude becomes infinite.
pub fn fits_f32(field: &str, value: f64) -> Result<(), ConfigError> {
    if value.abs() <= f64::from(f32::MAX) {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!(
                "{value:e} overflows f32 (largest finite value {:e}), the type of the tensors \
                 it is used with",
                f32::MAX
            ),
        ))
    }
}
