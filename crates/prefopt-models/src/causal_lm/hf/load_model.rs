//! [`load_model`]: one entry point for a GGUF file or a Hugging Face model directory.

use super::HfError;
use super::load_hf::{HfModel, load_hf_dir};
use crate::causal_lm::{
    CausalLm, CausalLmConfig, CausalLmError, CausalLmPolicy, load_gguf_weights,
};
use prefopt_core::burn::tensor::Device;
use prefopt_gguf::GgufFile;
use prefopt_tokenizer::{TOKENIZER_FILE, Tokenizer};
use std::path::Path;
use std::sync::Arc;

/// A model with its architecture and tokenizer, as read from a model file or directory.
#[derive(Debug)]
pub struct LoadedCausalLm {
    /// The weights.
    pub model: CausalLm,
    /// The architecture.
    pub config: CausalLmConfig,
    /// The tokenizer the checkpoint carries.
    pub tokenizer: Tokenizer,
    /// The tokens that end a completion: the tokenizer's EOS ids, then the checkpoint's own
    /// (config and generation config) not already among them.
    pub stop_token_ids: Vec<u32>,
}

impl LoadedCausalLm {
    /// The model as a policy, the tokenizer attached.
    pub fn into_policy(self) -> CausalLmPolicy {
        CausalLmPolicy::new(self.model, self.config, Some(Arc::new(self.tokenizer)))
    }
}

/// Loads `path` onto `device`: a GGUF file (weights, architecture and tokenizer in one file), or
/// a Hugging Face model directory (`config.json`, `model.safetensors` or its shards,
/// `tokenizer.json`).
pub fn load_model(path: &Path, device: &Device) -> Result<LoadedCausalLm, CausalLmError> {
    let (model, config, tokenizer, checkpoint_eos) = if path.is_dir() {
        let HfModel {
            model,
            config,
            tokenizer,
        } = load_hf_dir(path, device)?;
        (model, config.config, tokenizer, config.eos_token_ids)
    } else if path.is_file() {
        let file = GgufFile::open(path)?;
        let config = CausalLmConfig::from_gguf_metadata(&file)?;
        let model = load_gguf_weights(&file, &config, device)?;
        let tokenizer = gguf_tokenizer(path, &file)?;
        let eos = config.eos_token_id.into_iter().collect();
        (model, config, tokenizer, eos)
    } else {
        return Err(not_found(path));
    };
    let mut stop_token_ids = tokenizer.eos_token_ids();
    for id in checkpoint_eos {
        if !stop_token_ids.contains(&id) {
            stop_token_ids.push(id);
        }
    }
    Ok(LoadedCausalLm {
        model,
        config,
        tokenizer,
        stop_token_ids,
    })
}

/// The tokenizer alone of the model at `path` (a GGUF file or a Hugging Face model directory),
/// read without loading the weights: what a task over text tokenizes its data with.
pub fn load_tokenizer(path: &Path) -> Result<Tokenizer, CausalLmError> {
    if path.is_dir() {
        Ok(Tokenizer::from_file(path.join(TOKENIZER_FILE)).map_err(HfError::from)?)
    } else if path.is_file() {
        gguf_tokenizer(path, &GgufFile::open(path)?)
    } else {
        Err(not_found(path))
    }
}

fn gguf_tokenizer(path: &Path, file: &GgufFile) -> Result<Tokenizer, CausalLmError> {
    Tokenizer::from_gguf(file).map_err(|error| CausalLmError::Unsupported {
        path: path.to_path_buf(),
        message: format!("reading its tokenizer: {error}"),
    })
}

fn not_found(path: &Path) -> CausalLmError {
    CausalLmError::Unsupported {
        path: path.to_path_buf(),
        message: "no such file or directory: give a .gguf file or a Hugging Face model directory"
            .into(),
    }
}
