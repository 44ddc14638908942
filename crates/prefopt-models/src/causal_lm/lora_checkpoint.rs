//! LoRA checkpoints: the adapter factors alone, as a burnpack file (burn's format, parameter ids
//! kept, so an optimizer state keyed by them applies again) whose metadata records the LoRA
//! settings. The base weights are not in it: they come from the model the policy was built
//! from, and stay shared with the reference.

use super::lora::{LoraConfig, adapter_group};
use super::model::CausalLm;
use prefopt_core::PrefoptError;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::store::ModuleRecord;
use prefopt_core::burn::store::burn_pack::{Reader, Writer};
use prefopt_core::fs::write_atomic;
use std::path::Path;

/// Metadata keys of the LoRA settings in an adapter burnpack.
const RANK_KEY: &str = "prefopt.lora.rank";
const ALPHA_KEY: &str = "prefopt.lora.alpha";
const TARGETS_KEY: &str = "prefopt.lora.targets";

/// The burnpack bytes of `model`'s LoRA factors (paths `blocks.N.<weight>.lora.{a,b}`, their
/// parameter ids) with `lora`'s settings as metadata.
pub fn adapter_bytes(model: &CausalLm, lora: &LoraConfig) -> Result<Vec<u8>, PrefoptError> {
    let serialize =
        |error: String| PrefoptError::Model(format!("serializing the adapters: {error}"));
    let record = model.clone().into_record_group(adapter_group(model));
    let bytes = record.into_bytes().map_err(|e| serialize(e.to_string()))?;
    let tensors = Reader::from_bytes(bytes)
        .and_then(Reader::into_tensors)
        .map_err(|e| serialize(e.to_string()))?;
    let writer = Writer::new(tensors)
        .with_metadata(RANK_KEY, &lora.rank.to_string())
        .with_metadata(ALPHA_KEY, &lora.alpha.to_string())
        .with_metadata(TARGETS_KEY, &lora.targets.join(","));
    let bytes = writer.into_bytes().map_err(|e| serialize(e.to_string()))?;
    Ok(bytes.to_vec())
}

/// Writes `model`'s LoRA factors and `lora`'s settings to `path` ([`adapter_bytes`]),
/// atomically.
pub fn save_adapters(model: &CausalLm, lora: &LoraConfig, path: &Path) -> Result<(), PrefoptError> {
    write_atomic(path, &adapter_bytes(model, lora)?)
}

fn open(path: &Path) -> Result<Reader, PrefoptError> {
    Reader::from_file(path).map_err(|error| PrefoptError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(format!("not a readable burnpack file: {error}")),
    })
}

/// The LoRA settings recorded in the burnpack file at `path`, or `None` when it is a checkpoint
/// of a whole model (no LoRA metadata).
pub fn read_lora_settings(path: &Path) -> Result<Option<LoraConfig>, PrefoptError> {
    settings_of(&open(path)?, path)
}

fn settings_of(reader: &Reader, path: &Path) -> Result<Option<LoraConfig>, PrefoptError> {
    let metadata = reader.metadata();
    let Some(rank) = metadata.get(RANK_KEY) else {
        return Ok(None);
    };
    let field = |key: &str| -> Result<&String, PrefoptError> {
        metadata.get(key).ok_or_else(|| {
            PrefoptError::Model(format!(
                "{}: LoRA checkpoint without `{key}` in its metadata",
                path.display()
            ))
        })
    };
    let bad = |key: &str, value: &str| {
        PrefoptError::Model(format!(
            "{}: metadata `{key}` = {value:?} is not a number",
            path.display()
        ))
    };
    let alpha = field(ALPHA_KEY)?;
    let targets = field(TARGETS_KEY)?;
    Ok(Some(LoraConfig {
        rank: rank.parse().map_err(|_| bad(RANK_KEY, rank))?,
        alpha: alpha.parse().map_err(|_| bad(ALPHA_KEY, alpha))?,
        targets: targets.split(',').map(str::to_string).collect(),
    }))
}

/// `model` (adapted with `lora`, `num_layers` blocks) with its LoRA factors and their
/// parameter ids replaced by those of the adapter burnpack at `path`.
///
/// # Errors
/// When the file is not a LoRA checkpoint (a whole model's, say), when its settings differ
/// from `lora` (naming both), or when its tensors are not exactly this model's factors (naming
/// the first missing or unexpected one, or the shape that differs). Nothing is half-loaded.
pub fn load_adapters(
    model: &CausalLm,
    lora: &LoraConfig,
    num_layers: usize,
    path: &Path,
) -> Result<CausalLm, PrefoptError> {
    let reader = open(path)?;
    let found = settings_of(&reader, path)?.ok_or_else(|| {
        PrefoptError::Model(format!(
            "{}: a checkpoint of a whole model, not of LoRA adapters: this policy trains adapters ({}), so it resumes only from its own adapter checkpoints",
            path.display(),
            describe(lora)
        ))
    })?;
    if found != *lora {
        return Err(PrefoptError::Model(format!(
            "{}: adapters of other LoRA settings ({}): this policy has {}",
            path.display(),
            describe(&found),
            describe(lora)
        )));
    }
    let expected = lora.adapter_paths(num_layers);
    let names = reader.tensor_names();
    if let Some(missing) = expected.iter().find(|p| !names.contains(&p.as_str())) {
        return Err(PrefoptError::Model(format!(
            "{}: adapter tensor `{missing}` is missing ({} tensors in the file, {} expected)",
            path.display(),
            names.len(),
            expected.len()
        )));
    }
    if let Some(unexpected) = names.iter().find(|n| !expected.iter().any(|p| p == *n)) {
        return Err(PrefoptError::Model(format!(
            "{}: tensor `{unexpected}` is not an adapter of this model",
            path.display()
        )));
    }
    let record = ModuleRecord::load(path).map_err(|error| PrefoptError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(error.to_string()),
    })?;
    model
        .clone()
        .try_load_record(record.allow_partial(true))
        .map_err(|error| {
            PrefoptError::Model(format!(
                "{}: adapters that do not fit this model: {error}",
                path.display()
            ))
        })
}

fn describe(lora: &LoraConfig) -> String {
    format!(
        "rank {}, alpha {}, targets {}",
        lora.rank,
        lora.alpha,
        lora.targets.join(", ")
    )
}
