//! [`TrunkConfig`]: the causal-LM trunk under a value head or a reward head, loaded from a model
//! file or randomly initialized.

use crate::causal_lm::{CausalLm, CausalLmConfig, load_model, validate_model_source};
use crate::seeded::seeded_module;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{ConfigError, PrefoptError};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where a causal-LM trunk comes from: exactly one of `model` (a GGUF file or a Hugging Face
/// model directory, as `[policy] type = "causal_lm"` reads), `tiny = true`
/// ([`CausalLmConfig::tiny`], randomly initialized) or `architecture` (randomly initialized),
/// the random draws seeded by `seed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkConfig {
    /// A GGUF file or a Hugging Face model directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<PathBuf>,
    /// The tiny random architecture (for tests and smoke runs).
    #[serde(default)]
    pub tiny: bool,
    /// A random initialization of this architecture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<CausalLmConfig>,
    /// The seed of a random initialization (and of the head's).
    #[serde(default)]
    pub seed: u64,
}

impl Default for TrunkConfig {
    /// The tiny random trunk, seed 0.
    fn default() -> Self {
        Self {
            model: None,
            tiny: true,
            architecture: None,
            seed: 0,
        }
    }
}

impl TrunkConfig {
    /// A random trunk of `architecture`, seeded by `seed`.
    pub fn random(architecture: CausalLmConfig, seed: u64) -> Self {
        Self {
            model: None,
            tiny: false,
            architecture: Some(architecture),
            seed,
        }
    }

    /// Refuses no source or more than one, and an architecture that does not fit together;
    /// `field` is where the trunk sits in the config (e.g. `algorithm.value_model`)
    /// ([`validate_model_source`]).
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        validate_model_source(
            field,
            self.model.is_some(),
            self.tiny,
            self.architecture.as_ref(),
        )
    }

    /// Builds the trunk on `device` and returns it with its architecture. A random trunk is drawn
    /// right after seeding the device with `seed`; call it after every other module built on the
    /// same device has been initialized (a policy and its frozen reference), so that their
    /// draws are not moved.
    pub fn build(&self, device: &Device) -> Result<(CausalLm, CausalLmConfig), PrefoptError> {
        if let Some(path) = &self.model {
            let loaded = load_model(path, device)?;
            return Ok((loaded.model, loaded.config));
        }
        let config = match &self.architecture {
            Some(architecture) => architecture.clone(),
            None => CausalLmConfig::tiny(),
        };
        config.validate("trunk")?;
        let model = seeded_module(device, self.seed, || CausalLm::init(&config, device));
        Ok((model, config))
    }
}
