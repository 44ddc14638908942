//! The experiment config (TOML).

use crate::config_location::{ConfigDocument, LocatedConfigError};
use crate::{Algorithm, ConfigError, PolicyConfig, PrefoptError, TaskConfig};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A whole experiment: `seed`, `[task]`, `[policy]`, `[algorithm]`, `[train]`.
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
        let config: Self = document.deserialize()?;
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

/// Optimization settings of a training run (`[train]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Optimizer steps.
    pub steps: usize,
    /// Adam learning rate (Kingma & Ba 2015, arXiv:1412.6980). 0.05 suits tabular bandits;
    /// language models want ~5e-7 to 1e-6 (TRL's DPO default is 1e-6).
    pub lr: f64,
    /// Pairs per step (ignored by population data, which uses every pair each step).
    pub batch_size: usize,
    /// Compute evaluation metrics (KL to pi*, true reward) every this many steps.
    pub eval_every: usize,
    /// Log training metrics every this many steps.
    pub log_every: usize,
    /// Clip the global gradient norm to this value (none: no clipping).
    pub grad_clip: Option<f64>,
    /// Write a resumable checkpoint (`checkpoints/step-N/` in the run directory) every this many
    /// steps (none: only when the run is interrupted).
    pub checkpoint_every: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            steps: 1000,
            lr: 0.05,
            batch_size: 64,
            eval_every: 100,
            log_every: 10,
            grad_clip: None,
            checkpoint_every: None,
        }
    }
}

impl TrainConfig {
    /// Checks the values.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(ConfigError::new(
                "lr",
                format!("must be > 0, got {}", self.lr),
            ));
        }
        fits_f32("lr", self.lr)?;
        for (field, value) in [
            ("batch_size", self.batch_size),
            ("eval_every", self.eval_every),
            ("log_every", self.log_every),
        ] {
            if value == 0 {
                return Err(ConfigError::new(field, "must be at least 1"));
            }
        }
        if let Some(clip) = self.grad_clip {
            if !(clip.is_finite() && clip > 0.0) {
                return Err(ConfigError::new(
                    "grad_clip",
                    format!("must be > 0, got {clip}"),
                ));
            }
            fits_f32("grad_clip", clip)?;
        }
        if self.checkpoint_every == Some(0) {
            return Err(ConfigError::new("checkpoint_every", "must be at least 1"));
        }
        Ok(())
    }
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
