//! The `[policy] type = "causal_lm"` config.

use super::config::CausalLmConfig;
use super::error::CausalLmError;
use super::hf::{load_model, load_tokenizer};
use super::lora::LoraConfig;
use super::model_source::validate_model_source;
use super::policy::CausalLmPolicy;
use super::shared_prefix::PairForward;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{
    ConfigError, Policy, PolicyConfig, PrefoptError, Task, TextTokenizer, TrainDefaults,
    expand_user_path, plugin,
};
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
    /// Seed of a random initialization, and of the LoRA factors' draws.
    #[serde(default)]
    pub seed: u64,
    /// LoRA adapters (Hu et al. 2021, arXiv:2106.09685): `lora = { rank = 8, alpha = 16,
    /// targets = ["q_proj", "v_proj"] }` trains only the adapters, and the reference is the
    /// base model with the adapters off. Absent: every weight trains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lora: Option<LoraConfig>,
    /// The tokenizer of a randomly initialized model: a Hugging Face tokenizer directory
    /// (`tokenizer.json`, and `tokenizer_config.json` for the chat template) or a GGUF file,
    /// whose vocabulary must fit the architecture's `vocab_size`. A loaded `model` brings its
    /// own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokenizer: Option<PathBuf>,
    /// Score each preference pair by running its prompt once for both completions (attention
    /// over a shared prefix, [`PairForward::SharedPrefix`]) rather than `[chosen; rejected]` as
    /// full sequences. The log-probs are the same either way; `false` runs the prompt twice.
    /// Default `true`.
    #[serde(default = "default_shared_prefix")]
    pub shared_prefix: bool,
    /// The parameters to start from: a `policy.bpk` that an earlier run of the same model wrote
    /// (its final policy, or a checkpoint's), loaded over the model before any LoRA adapters
    /// are added; e.g. the `sft` run that made pi_ref. Absent: the model as loaded or drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<PathBuf>,
}

fn default_shared_prefix() -> bool {
    true
}

impl Default for CausalLmPolicyConfig {
    /// The tiny random model (the example config; real runs give `model`).
    fn default() -> Self {
        Self {
            model: None,
            tiny: true,
            architecture: None,
            seed: 0,
            lora: None,
            tokenizer: None,
            shared_prefix: default_shared_prefix(),
            weights: None,
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
        let policy = match &self.model {
            Some(path) => load_policy(&expand_user_path(path)?, device)?,
            None => {
                let config = self
                    .architecture
                    .clone()
                    .unwrap_or_else(CausalLmConfig::tiny);
                let policy = CausalLmPolicy::random(config, self.seed, device)?;
                match self.tokenizer()? {
                    Some(tokenizer) => {
                        let vocab = policy.config().vocab_size;
                        if tokenizer.vocab_size() > vocab {
                            return Err(PrefoptError::Config {
                                path: None,
                                source: ConfigError::new(
                                    "policy.tokenizer",
                                    format!(
                                        "the tokenizer has {} tokens but the model's vocabulary \
                                         holds {vocab}: raise `vocab_size` in \
                                         [policy.architecture]",
                                        tokenizer.vocab_size()
                                    ),
                                ),
                            });
                        }
                        policy.with_tokenizer(tokenizer)
                    }
                    None => policy,
                }
            }
        };
        let pair_forward = if self.shared_prefix {
            PairForward::SharedPrefix
        } else {
            PairForward::Concatenated
        };
        let mut policy = policy.with_pair_forward(pair_forward);
        if let Some(weights) = &self.weights {
            policy.load_checkpoint(&expand_user_path(weights)?)?;
        }
        Ok(Box::new(match &self.lora {
            Some(lora) => policy.with_lora(lora, self.seed)?,
            None => policy,
        }))
    }

    /// TRL's `DPOConfig` defaults (lr 1e-6, 8 examples per batch, 3 epochs, linear decay,
    /// `max_grad_norm` 1.0).
    fn train_defaults(&self) -> TrainDefaults {
        TrainDefaults::trl_dpo()
    }

    fn tokenizer(&self) -> Result<Option<Arc<dyn TextTokenizer>>, PrefoptError> {
        match self.model.as_ref().or(self.tokenizer.as_ref()) {
            Some(path) => Ok(Some(Arc::new(load_tokenizer(&expand_user_path(path)?)?))),
            None => Ok(None),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_model_source(
            "policy",
            self.model.is_some(),
            self.tiny,
            self.architecture.as_ref(),
        )?;
        if self.model.is_some() && self.tokenizer.is_some() {
            return Err(ConfigError::new(
                "policy.tokenizer",
                "a loaded `model` brings its own tokenizer: give `tokenizer` only with `tiny = true` \
                 or a `[policy.architecture]` table",
            ));
        }
        if let Some(lora) = &self.lora {
            lora.validate("policy.lora")?;
        }
        Ok(())
    }
}

/// The model, architecture and tokenizer at `path`: a GGUF file or a Hugging Face model
/// directory ([`load_model`]).
pub fn load_policy(path: &Path, device: &Device) -> Result<CausalLmPolicy, CausalLmError> {
    Ok(load_model(path, device)?.into_policy())
}
