//! Writing a model as a Hugging Face Llama directory transformers loads as `LlamaForCausalLM`.

use super::error::HfError;
use super::hf_config::{CONFIG_FILE, GENERATION_CONFIG_FILE, config_json, generation_config_json};
use super::load_hf::WEIGHTS_FILE;
use super::qk_weights::change_qk_layout;
use super::tensor_names::module_to_hf_remapper;
use crate::causal_lm::{CausalLm, CausalLmConfig, internal_to_hf_qk};
use burn::store::{
    BurnToPyTorchAdapter, FloatCastAdapter, ModuleAdapter, ModuleSnapshot, SafetensorsStore,
};
use prefopt_core::burn::tensor::DType;
use prefopt_tokenizer::Tokenizer;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Writes `model` (architecture `config`) and `tokenizer` to `out_dir` as a Hugging Face model
/// directory: `config.json` (`LlamaForCausalLM`, float32), `model.safetensors` (f32, Hugging
/// Face names, query/key rows in the rotate-half layout, `lm_head.weight` only when untied),
/// `tokenizer.json` + `tokenizer_config.json`, `generation_config.json` (BOS and EOS ids: the
/// config's EOS, then the tokenizer's).
///
/// Atomic: everything is written into a temporary sibling of `out_dir`, which is then renamed
/// into place; a failure leaves `out_dir` as it was. An existing non-empty `out_dir` is refused
/// unless `overwrite`.
pub fn export_hf(
    model: &CausalLm,
    config: &CausalLmConfig,
    tokenizer: &Tokenizer,
    out_dir: &Path,
    overwrite: bool,
) -> Result<(), HfError> {
    let replaces = check_output(out_dir, overwrite)?;
    let staging = sibling(out_dir, "export")?;
    std::fs::create_dir(&staging).map_err(HfError::io(&staging))?;
    let written = write_files(model, config, tokenizer, &staging)
        .and_then(|()| publish(&staging, out_dir, replaces));
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    written
}

/// Whether `out_dir` exists (and will be replaced); refuses a non-empty one without
/// `overwrite`, and anything that is not a directory.
fn check_output(out_dir: &Path, overwrite: bool) -> Result<bool, HfError> {
    if !out_dir.exists() {
        return Ok(false);
    }
    if !out_dir.is_dir() {
        return Err(HfError::OutputExists {
            path: out_dir.to_path_buf(),
        });
    }
    let empty = std::fs::read_dir(out_dir)
        .map_err(HfError::io(out_dir))?
        .next()
        .is_none();
    if !empty && !overwrite {
        return Err(HfError::OutputExists {
            path: out_dir.to_path_buf(),
        });
    }
    Ok(true)
}

/// A fresh hidden path beside `path`: `.<name>.<purpose>-<pid>-<nanos>`.
fn sibling(path: &Path, purpose: &str) -> Result<PathBuf, HfError> {
    let name = path.file_name().ok_or_else(|| HfError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the output needs a directory name",
        ),
    })?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).map_err(HfError::io(parent))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let name = format!(
        ".{}.{purpose}-{}-{nanos}",
        name.to_string_lossy(),
        std::process::id()
    );
    Ok(parent.join(name))
}

/// Renames `staging` to `out_dir`, moving an existing `out_dir` aside first and deleting it
/// once the new one is in place.
fn publish(staging: &Path, out_dir: &Path, replaces: bool) -> Result<(), HfError> {
    if !replaces {
        return std::fs::rename(staging, out_dir).map_err(HfError::io(out_dir));
    }
    let old = sibling(out_dir, "replaced")?;
    std::fs::rename(out_dir, &old).map_err(HfError::io(out_dir))?;
    if let Err(source) = std::fs::rename(staging, out_dir) {
        let _ = std::fs::rename(&old, out_dir);
        return Err(HfError::Io {
            path: out_dir.to_path_buf(),
            source,
        });
    }
    std::fs::remove_dir_all(&old).map_err(HfError::io(&old))
}

fn write_json(path: &Path, value: &Value) -> Result<(), HfError> {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values serialize");
    text.push('\n');
    std::fs::write(path, text).map_err(HfError::io(path))
}

/// Writes every file of the export into `dir`.
fn write_files(
    model: &CausalLm,
    config: &CausalLmConfig,
    tokenizer: &Tokenizer,
    dir: &Path,
) -> Result<(), HfError> {
    let mut eos: Vec<u32> = config.eos_token_id.into_iter().collect();
    for id in tokenizer.eos_token_ids() {
        if !eos.contains(&id) {
            eos.push(id);
        }
    }
    write_json(&dir.join(CONFIG_FILE), &config_json(config, &eos))?;
    write_json(
        &dir.join(GENERATION_CONFIG_FILE),
        &generation_config_json(config, &eos),
    )?;
    let weights = dir.join(WEIGHTS_FILE);
    write_weights(model, config, &weights)?;
    // burn's store writes through a private (0600) scratch file: give the weights the
    // permissions of the other files.
    let permissions = std::fs::metadata(dir.join(CONFIG_FILE))
        .map_err(HfError::io(dir))?
        .permissions();
    std::fs::set_permissions(&weights, permissions).map_err(HfError::io(&weights))?;
    tokenizer.save(dir)?;
    Ok(())
}

/// `model.safetensors` through burn's `SafetensorsStore`: query and key projections permuted
/// to the rotate-half layout ([`internal_to_hf_qk`]) on a copy of the model, then `Linear`
/// weights transposed to PyTorch's `[d_out, d_in]` and norm weights renamed
/// (`BurnToPyTorchAdapter`), cast to f32, module paths renamed to Hugging Face names. The file
/// carries `format: pt`, which transformers requires.
fn write_weights(model: &CausalLm, config: &CausalLmConfig, path: &Path) -> Result<(), HfError> {
    let mut hf_layout = model.clone();
    change_qk_layout(&mut hf_layout, config, internal_to_hf_qk);
    let adapter = BurnToPyTorchAdapter.chain(FloatCastAdapter::to(DType::F32));
    let mut store = SafetensorsStore::from_file(path.to_path_buf())
        .with_to_adapter(adapter)
        .remap(module_to_hf_remapper())
        .clear_metadata()
        .metadata("format", "pt");
    hf_layout
        .save_into(&mut store)
        .map_err(|error| HfError::Weights {
            path: path.to_path_buf(),
            message: format!("writing the weights: {error}"),
        })
}
