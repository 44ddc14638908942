//! [`CausalLmPolicy`]: a causal language model in the policy role.

use super::config::CausalLmConfig;
use super::error::CausalLmError;
use super::frozen::FrozenCausalLm;
use super::generate::generate_streaming;
use super::load_gguf::load_gguf;
use super::logps::token_logps;
use super::model::CausalLm;
use crate::checkpoint::save_module;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::optim::{GradientsParams, ModuleOptimizer};
use prefopt_core::burn::tensor::{Device, Gradients, Tensor};
use prefopt_core::fs::write_atomic;
use prefopt_core::{
    Generation, Policy, PrefoptError, ReferenceModel, SamplingOptions, SequenceBatch, TextTokenizer,
};
use rand::rngs::StdRng;
use std::path::Path;
use std::sync::Arc;

/// A Llama-family causal LM as pi_theta, with the tokenizer of its checkpoint when known.
pub struct CausalLmPolicy {
    model: CausalLm,
    config: CausalLmConfig,
    tokenizer: Option<Arc<dyn TextTokenizer>>,
}

impl std::fmt::Debug for CausalLmPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CausalLmPolicy")
            .field("config", &self.config)
            .field("tokenizer", &self.tokenizer.is_some())
            .finish()
    }
}

impl CausalLmPolicy {
    /// A policy around `model` of architecture `config`.
    pub fn new(
        model: CausalLm,
        config: CausalLmConfig,
        tokenizer: Option<Arc<dyn TextTokenizer>>,
    ) -> Self {
        Self {
            model,
            config,
            tokenizer,
        }
    }

    /// A randomly initialized model of architecture `config`, seeded by `seed`, on `device`.
    pub fn random(
        config: CausalLmConfig,
        seed: u64,
        device: &Device,
    ) -> Result<Self, CausalLmError> {
        config.validate("config")?;
        device.seed(seed);
        Ok(Self::new(CausalLm::init(&config, device), config, None))
    }

    /// The model and architecture of a GGUF file, on `device` (no tokenizer attached).
    pub fn from_gguf(path: impl AsRef<Path>, device: &Device) -> Result<Self, CausalLmError> {
        let (model, config) = load_gguf(path, device)?;
        Ok(Self::new(model, config, None))
    }

    /// Attaches `tokenizer`.
    pub fn with_tokenizer(mut self, tokenizer: Arc<dyn TextTokenizer>) -> Self {
        self.tokenizer = Some(tokenizer);
        self
    }

    /// The burn module.
    pub fn model(&self) -> &CausalLm {
        &self.model
    }

    /// The architecture.
    pub fn config(&self) -> &CausalLmConfig {
        &self.config
    }

    /// [`Policy::generate`], calling `on_token(row, token)` for each new token as it is chosen
    /// (decoding runs on a copy of the model without autodiff).
    pub fn generate_streaming(
        &self,
        prompts: &[Vec<u32>],
        options: &SamplingOptions,
        rng: &mut StdRng,
        on_token: &mut dyn FnMut(usize, u32),
    ) -> Result<Vec<Generation>, PrefoptError> {
        let model = if self.model.embedding.weight.val().is_autodiff() {
            std::borrow::Cow::Owned(self.model.valid())
        } else {
            std::borrow::Cow::Borrowed(&self.model)
        };
        generate_streaming(&model, prompts, options, rng, on_token)
    }
}

impl Policy for CausalLmPolicy {
    fn token_logps(&self, batch: &SequenceBatch) -> Tensor<2> {
        token_logps(&self.model, batch)
    }

    fn generate(
        &self,
        prompts: &[Vec<u32>],
        options: &SamplingOptions,
        rng: &mut StdRng,
    ) -> Result<Vec<Generation>, PrefoptError> {
        self.generate_streaming(prompts, options, rng, &mut |_, _| {})
    }

    fn tokenizer(&self) -> Option<Arc<dyn TextTokenizer>> {
        self.tokenizer.clone()
    }

    fn apply_gradients(&mut self, optimizer: &mut ModuleOptimizer, lr: f64, grads: Gradients) {
        let grads = GradientsParams::from_grads(grads, &self.model);
        self.model = optimizer.step(lr, self.model.clone(), grads);
    }

    fn freeze(&self) -> Box<dyn ReferenceModel> {
        Box::new(FrozenCausalLm::new(&self.model))
    }

    fn num_params(&self) -> usize {
        self.model.num_params()
    }

    /// Writes the parameters as a burnpack file (`Module::save_file`'s format), atomically.
    fn save(&self, path: &Path) -> Result<(), PrefoptError> {
        let bytes = self
            .model
            .clone()
            .into_record()
            .into_bytes()
            .map_err(|error| {
                PrefoptError::Model(format!(
                    "{}: serializing the model: {error:?}",
                    path.display()
                ))
            })?;
        write_atomic(path, &bytes)
    }

    fn save_checkpoint(&self, path: &Path) -> Result<(), PrefoptError> {
        save_module(&self.model, path)
    }

    fn load_checkpoint(&mut self, path: &Path) -> Result<(), PrefoptError> {
        let loaded = self.model.clone().try_load_file(path).map_err(|error| {
            PrefoptError::Model(format!(
                "{}: not a checkpoint of this model ({} layers, hidden {}, vocab {}): {error}",
                path.display(),
                self.config.num_layers,
                self.config.hidden_size,
                self.config.vocab_size
            ))
        })?;
        self.model = loaded;
        Ok(())
    }
}
