//! Loading a Hugging Face Llama model directory: `config.json`, `model.safetensors` (or shards
//! listed in `model.safetensors.index.json`), `tokenizer.json`.

use super::error::HfError;
use super::hf_config::{
    CONFIG_FILE, GENERATION_CONFIG_FILE, HfConfig, read_config, read_generation_eos,
};
use super::json_fields::read_object;
use super::qk_weights::change_qk_layout;
use super::safetensors_header::{check_tensors, read_header};
use super::tensor_names::{expected_tensors, hf_to_module_remapper};
use crate::causal_lm::{CausalLm, CausalLmConfig, hf_to_internal_qk};
use burn::store::{
    FloatCastAdapter, ModuleAdapter, ModuleSnapshot, PyTorchToBurnAdapter, SafetensorsStore,
};
use prefopt_core::burn::tensor::{DType, Device};
use prefopt_tokenizer::{TOKENIZER_FILE, Tokenizer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The weights of a single-file checkpoint.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The shard index of a checkpoint split over several files.
pub const WEIGHTS_INDEX_FILE: &str = "model.safetensors.index.json";

/// A Hugging Face model directory, loaded.
#[derive(Debug)]
pub struct HfModel {
    /// The model, query and key projections in this model's adjacent-pair rotary layout.
    pub model: CausalLm,
    /// `config.json`, with `generation_config.json`'s EOS ids added to its own.
    pub config: HfConfig,
    /// `tokenizer.json` with the `tokenizer_config.json` beside it.
    pub tokenizer: Tokenizer,
}

/// Loads the model directory `dir` onto `device`: architecture, weights and tokenizer.
pub fn load_hf_dir(dir: &Path, device: &Device) -> Result<HfModel, HfError> {
    let mut config = read_config(&dir.join(CONFIG_FILE))?;
    let generation = dir.join(GENERATION_CONFIG_FILE);
    if generation.is_file() {
        for id in read_generation_eos(&generation)?.unwrap_or_default() {
            if !config.eos_token_ids.contains(&id) {
                config.eos_token_ids.push(id);
            }
        }
    }
    let model = load_hf_weights(dir, &config.config, device)?;
    let tokenizer = Tokenizer::from_file(dir.join(TOKENIZER_FILE))?;
    Ok(HfModel {
        model,
        config,
        tokenizer,
    })
}

/// The weight files of `dir`, and the file that names missing tensors (the single file, or
/// the shard index).
fn weight_files(dir: &Path) -> Result<(PathBuf, Vec<PathBuf>), HfError> {
    let single = dir.join(WEIGHTS_FILE);
    if single.is_file() {
        return Ok((single.clone(), vec![single]));
    }
    let index = dir.join(WEIGHTS_INDEX_FILE);
    if !index.is_file() {
        return Err(HfError::Weights {
            path: dir.to_path_buf(),
            message: format!(
                "neither {WEIGHTS_FILE} nor {WEIGHTS_INDEX_FILE} is here: expected safetensors weights"
            ),
        });
    }
    let object = read_object(&index)?;
    let map = object
        .get("weight_map")
        .and_then(|map| map.as_object())
        .ok_or_else(|| {
            HfError::field(
                &index,
                "weight_map",
                "missing: expected an object of tensor name -> file",
            )
        })?;
    let mut files: Vec<PathBuf> = Vec::new();
    for (tensor, file) in map {
        let file = file
            .as_str()
            .filter(|file| !file.contains('/') && !file.contains('\\'))
            .ok_or_else(|| {
                HfError::field(
                    &index,
                    &format!("weight_map.{tensor}"),
                    "expected a file name in this directory",
                )
            })?;
        let file = dir.join(file);
        if !files.contains(&file) {
            files.push(file);
        }
    }
    Ok((index, files))
}

/// The weights of the safetensors checkpoint in `dir` (one file or shards) in a model of
/// architecture `config`, on `device`.
///
/// Every tensor's presence, shape, dtype and bytes are checked from the file headers first, so
/// errors name the Hugging Face tensor and file. The data then goes through burn's
/// `SafetensorsStore`: names remapped to module paths, `Linear` weights transposed to burn's
/// `[d_in, d_out]` and norm weights renamed (`PyTorchToBurnAdapter`), bf16/f16 cast to f32
/// (`FloatCastAdapter`). The store's adapters see one tensor at a time and cannot reorder rows
/// by head, so the query and key projections are permuted from the rotate-half layout to this
/// model's adjacent-pair layout afterwards ([`hf_to_internal_qk`]).
pub fn load_hf_weights(
    dir: &Path,
    config: &CausalLmConfig,
    device: &Device,
) -> Result<CausalLm, HfError> {
    let (source, files) = weight_files(dir)?;
    let mut tensors = BTreeMap::new();
    for file in &files {
        tensors.extend(read_header(file)?);
    }
    let expected = expected_tensors(config);
    check_tensors(&source, &tensors, &expected)?;

    let mut model = CausalLm::init(config, device);
    let mut applied = 0;
    for file in &files {
        let adapter = PyTorchToBurnAdapter.chain(FloatCastAdapter::to(DType::F32));
        let mut store = SafetensorsStore::from_file(file.clone())
            .remap(hf_to_module_remapper())
            .with_from_adapter(adapter)
            .allow_partial(true);
        let result = model
            .load_from(&mut store)
            .map_err(|error| HfError::Weights {
                path: file.clone(),
                message: format!("reading the weights: {error}"),
            })?;
        applied += result.applied.len();
    }
    if applied != expected.len() {
        return Err(HfError::Weights {
            path: source,
            message: format!(
                "{applied} of the model's {} weights were loaded",
                expected.len()
            ),
        });
    }

    change_qk_layout(&mut model, config, hf_to_internal_qk);
    Ok(model)
}
