//! The `[policy] type = "causal_lm"` config.

use super::config::CausalLmConfig;
use super::error::CausalLmError;
use super::hf::{load_model, load_tokenizer};
use super::policy::CausalLmPolicy;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{ConfigError, Policy, PolicyConfig, PrefoptError, Task, TextTokenizer, plugin};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A Llama-family causal language model as the policy: loaded from `model` (a GGUF file or a
/// Hugging Face model directory), or randomly initialized (`tiny = true`, or an explicit
/// `[policy.architecture]`) with `seed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CausalLmPolicyConfig {
    /// A GGUF file (weights, architecture and tokenizer), or a Hugging Face model directory
    /// (`config.json`, `model.safetensors`, `tokenizer.json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<PathBuf>,
    /// Random initialization of [`CausalLmConfig::tiny`] (for tests and smoke runs).
    #[serde(default)]
    pub tiny: bool,
    /// Random initialization of this architecture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<CausalLmConfig>,
    /// Seed of a random initialization.
    #[serde(default)]
    pub seed: u64,
}

impl Default for CausalLmPolicyConfig {
    /// The tiny random model (the example config; real runs give `model`).
    fn default() -> Self {
        Self {
            model: None,
            tiny: true,
            architecture: None,
            seed: 0,
        }
    }
}

#[plugin(
    name = "causal_lm",
    summary = "Llama-family causal language model (GQA, RoPE, SwiGLU) from a GGUF file or a Hugging Face directory, or randomly initialized",
    paper = "arXiv:2302.13971"
)]
impl PolicyConfig for CausalLmPolicyConfig {
    fn build(&self, _task: &dyn Task, device: &Device) -> Result<Box<dyn Policy>, PrefoptError> {
        self.validate()?;
        if let Some(path) = &self.model {
            return Ok(Box::new(load_policy(path, device)?));
        }
        let config = self
            .architecture
            .clone()
            .unwrap_or_else(CausalLmConfig::tiny);
        Ok(Box::new(CausalLmPolicy::random(config, self.seed, device)?))
    }

    fn tokenizer(&self) -> Result<Option<Arc<dyn TextTokenizer>>, PrefoptError> {
        match &self.model {
            Some(path) => Ok(Some(Arc::new(load_tokenizer(path)?))),
            None => Ok(None),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let sources = usize::from(self.model.is_some())
            + usize::from(self.tiny)
            + usize::from(self.architecture.is_some());
        if sources != 1 {
            return Err(ConfigError::new(
                "policy.model",
                "give exactly one of `model = \"file.gguf\"`, `tiny = true` or a `[policy.architecture]` table",
            ));
        }
        if let Some(architecture) = &self.architecture {
            architecture
                .validate("policy.architecture")
                .map_err(|error| match error {
                    CausalLmError::Config { field, message, .. } => {
                        ConfigError::new(format!("policy.architecture.{field}"), message)
                    }
                    other => ConfigError::new("policy.architecture", other.to_string()),
                })?;
        }
        Ok(())
    }
}

/// The model, architecture and tokenizer at `path`: a GGUF file or a Hugging Face model
/// directory ([`load_model`]).
pub fn load_policy(path: &Path, device: &Device) -> Result<CausalLmPolicy, CausalLmError> {
    Ok(load_model(path, device)?.into_policy())
}
