//! [`CausalLmPolicy`]: a causal language model in the policy role.

use super::config::CausalLmConfig;
use super::error::CausalLmError;
use super::frozen::FrozenCausalLm;
use super::generate::generate_streaming;
use super::load_gguf::load_gguf;
use super::logps::token_logps;
use super::lora::{LoraConfig, adapter_scalars, apply_lora, initialize_parameters};
use super::lora_checkpoint::{load_adapters, save_adapters};
use super::model::CausalLm;
use super::shared_prefix::{PairForward, pair_sequence_logps};
use crate::checkpoint::save_module;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::optim::{GradientsParams, ModuleOptimizer};
use prefopt_core::burn::tensor::{Device, Gradients, Tensor};
use prefopt_core::{
    Generation, Policy, PreferenceBatch, PrefoptError, ReferenceModel, SamplingOptions,
    SequenceBatch, TextTokenizer,
};
use rand::rngs::StdRng;
use std::path::Path;
use std::sync::Arc;

/// Mixed into the seed of a LoRA policy's adapter draws, so they are not the draws that
/// initialized a random model from the same seed.
const LORA_SEED_STREAM: u64 = 0x4c6f_5241_4164_6170;

/// A Llama-family causal LM as pi_theta, with the tokenizer of its checkpoint when known.
///
/// With LoRA ([`with_lora`](Self::with_lora)) only the adapter factors train, and the
/// reference ([`Policy::freeze`]) is the base model with the adapters off: the module as it was
/// before the adapters, whose tensors are the very buffers the frozen bases hold, so no second
/// copy of the weights exists.
pub struct CausalLmPolicy {
    model: CausalLm,
    config: CausalLmConfig,
    tokenizer: Option<Arc<dyn TextTokenizer>>,
    lora: Option<LoraState>,
    pair_forward: PairForward,
}

/// A LoRA policy's settings, and its model before the adapters (plain device).
struct LoraState {
    config: LoraConfig,
    base: CausalLm,
}

impl std::fmt::Debug for CausalLmPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CausalLmPolicy")
            .field("config", &self.config)
            .field("tokenizer", &self.tokenizer.is_some())
            .field("lora", &self.lora.as_ref().map(|lora| &lora.config))
            .field("pair_forward", &self.pair_forward)
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
            lora: None,
            pair_forward: PairForward::SharedPrefix,
        }
    }

    /// How [`Policy::pair_sequence_logps`] runs the two completions of a pair (and so do the
    /// references [`Policy::freeze`] and [`Policy::snapshot`] give): by default
    /// [`PairForward::SharedPrefix`], each prompt once.
    pub fn with_pair_forward(mut self, pair_forward: PairForward) -> Self {
        self.pair_forward = pair_forward;
        self
    }

    /// How pairs are scored ([`with_pair_forward`](Self::with_pair_forward)).
    pub fn pair_forward(&self) -> PairForward {
        self.pair_forward
    }

    /// The policy with LoRA adapters on `lora.targets` ([`apply_lora`]): base weights frozen,
    /// only the factors trainable, `A` drawn from the device's RNG seeded by `seed` (a stream of
    /// its own, not that of a random initialization).
    ///
    /// # Errors
    /// When `lora` is invalid, or the policy already has adapters.
    pub fn with_lora(mut self, lora: &LoraConfig, seed: u64) -> Result<Self, CausalLmError> {
        lora.validate("lora")
            .map_err(|error| CausalLmError::Config {
                origin: "policy".into(),
                field: error.field,
                message: error.message,
            })?;
        if let Some(existing) = &self.lora {
            return Err(CausalLmError::Config {
                origin: "policy".into(),
                field: "lora".into(),
                message: format!("the policy already has adapters ({:?})", existing.config),
            });
        }
        initialize_parameters(&self.model);
        let base = self.model.valid();
        let device = self.model.embedding.weight.lazy_device();
        self.model = crate::seeded::seeded_module(&device, seed ^ LORA_SEED_STREAM, || {
            apply_lora(self.model, &self.config, lora)
        });
        self.lora = Some(LoraState {
            config: lora.clone(),
            base,
        });
        Ok(self)
    }

    /// The LoRA settings, when the policy trains adapters.
    pub fn lora(&self) -> Option<&LoraConfig> {
        self.lora.as_ref().map(|lora| &lora.config)
    }

    /// The model without autodiff and with any LoRA adapters merged into its weights
    /// (`W_0 + (alpha / r) A B`, burn's `materialize`): what is exported or served.
    pub fn merged_model(&self) -> CausalLm {
        match self.lora {
            Some(_) => self.model.valid().materialize(),
            None => self.model.valid(),
        }
    }

    /// A randomly initialized model of architecture `config`, seeded by `seed`, on `device`.
    pub fn random(
        config: CausalLmConfig,
        seed: u64,
        device: &Device,
    ) -> Result<Self, CausalLmError> {
        config.validate("config")?;
        let model = crate::seeded::seeded_module(device, seed, || CausalLm::init(&config, device));
        Ok(Self::new(model, config, None))
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
        let model = if self.lora.is_some() {
            // Merged once, rather than `W_0 + s A B` recomposed at every decoding step.
            std::borrow::Cow::Owned(self.merged_model())
        } else if self.model.embedding.weight.val().is_autodiff() {
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

    /// Each pair's prompt run once for both completions where that saves work
    /// ([`pair_sequence_logps`]), else `[chosen; rejected]` as one batch.
    fn pair_sequence_logps(&self, batch: &PreferenceBatch) -> (Tensor<1>, Tensor<1>) {
        pair_sequence_logps(&self.model, batch, self.pair_forward, |both| {
            self.sequence_logps(both)
        })
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

    /// A frozen copy of the model; with LoRA, the base model with the adapters off (the same
    /// tensors as the frozen bases, not a copy).
    fn freeze(&self) -> Box<dyn ReferenceModel> {
        match &self.lora {
            Some(lora) => {
                Box::new(FrozenCausalLm::new(&lora.base).with_pair_forward(self.pair_forward))
            }
            None => Box::new(FrozenCausalLm::new(&self.model).with_pair_forward(self.pair_forward)),
        }
    }

    /// The model as it is now (adapters included) without autodiff.
    fn snapshot(&self) -> Option<Box<dyn ReferenceModel>> {
        Some(Box::new(
            FrozenCausalLm::new(&self.model).with_pair_forward(self.pair_forward),
        ))
    }

    /// Every parameter; with LoRA, the adapter factors only (the base is frozen).
    fn num_params(&self) -> usize {
        match self.lora {
            Some(_) => adapter_scalars(&self.model),
            None => self.model.num_params(),
        }
    }

    /// The parameters as a burnpack file with their ids, as
    /// [`save_checkpoint`](Policy::save_checkpoint) writes them (with LoRA, the adapters
    /// alone), so `prefopt export --checkpoint` reads a run's final policy.
    fn save(&self, path: &Path) -> Result<(), PrefoptError> {
        self.save_checkpoint(path)
    }

    fn file_name(&self) -> &'static str {
        "policy.bpk"
    }

    /// The parameters with their ids; with LoRA, the adapter factors alone with the LoRA
    /// settings as metadata (the base comes from the model the policy is built from).
    fn save_checkpoint(&self, path: &Path) -> Result<(), PrefoptError> {
        match &self.lora {
            Some(lora) => save_adapters(&self.model, &lora.config, path),
            None => save_module(&self.model, path),
        }
    }

    /// Restores [`save_checkpoint`](Policy::save_checkpoint)'s file; with LoRA, only an adapter
    /// checkpoint of the same settings is taken, and the base (shared with the reference) is
    /// left as it is.
    fn load_checkpoint(&mut self, path: &Path) -> Result<(), PrefoptError> {
        if let Some(lora) = &self.lora {
            self.model = load_adapters(&self.model, &lora.config, self.config.num_layers, path)?;
            return Ok(());
        }
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
