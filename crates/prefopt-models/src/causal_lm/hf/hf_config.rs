//! `config.json` and `generation_config.json` of a Hugging Face Llama checkpoint, to and from
//! [`CausalLmConfig`].

use super::error::HfError;
use super::json_fields::{Fields, read_object};
use crate::causal_lm::{CausalLmConfig, CausalLmError};
use serde_json::{Value, json};
use std::path::Path;

/// The architecture file of a Hugging Face model directory.
pub const CONFIG_FILE: &str = "config.json";
/// The decoding defaults file of a Hugging Face model directory.
pub const GENERATION_CONFIG_FILE: &str = "generation_config.json";
/// The only `model_type` this model implements.
const MODEL_TYPE: &str = "llama";
/// The transformers class of an exported model.
const ARCHITECTURE: &str = "LlamaForCausalLM";

/// What a Hugging Face `config.json` says about a Llama model.
#[derive(Debug, Clone, PartialEq)]
pub struct HfConfig {
    /// The architecture.
    pub config: CausalLmConfig,
    /// Every id of `eos_token_id` (an integer or a list in config.json); the first is
    /// [`CausalLmConfig::eos_token_id`].
    pub eos_token_ids: Vec<u32>,
    /// `torch_dtype` (or `dtype`): the precision the checkpoint was saved in, when stated.
    pub dtype: Option<String>,
}

/// Reads a `config.json` of `model_type` `llama` (transformers' `LlamaConfig`).
///
/// Required: `model_type`, `vocab_size`, `hidden_size`, `intermediate_size`,
/// `num_hidden_layers`, `num_attention_heads`. The others default as transformers defaults them:
/// `num_key_value_heads` to `num_attention_heads`, `head_dim` to `hidden_size /
/// num_attention_heads`, `rope_theta` to 10000 (also read from transformers 5's
/// `rope_parameters`), `rms_norm_eps` to 1e-6, `max_position_embeddings` to 2048,
/// `tie_word_embeddings` to false. Refused, naming the value: another `model_type` or
/// `architectures`, attention or MLP biases, an activation other than SiLU, rope scaling other
/// than `default`, partial rotary embeddings, sliding-window attention, quantized weights.
pub fn read_config(path: &Path) -> Result<HfConfig, HfError> {
    let object = read_object(path)?;
    let fields = Fields {
        path,
        object: &object,
    };
    refuse_unsupported(&fields)?;
    let hidden_size = fields.usize("hidden_size")?;
    let num_heads = fields.usize("num_attention_heads")?;
    if num_heads == 0 {
        return Err(HfError::field(
            path,
            "num_attention_heads",
            "must be at least 1",
        ));
    }
    let head_dim = match fields.optional_usize("head_dim")? {
        Some(head_dim) => head_dim,
        None if hidden_size.is_multiple_of(num_heads) => hidden_size / num_heads,
        None => {
            return Err(HfError::field(
                path,
                "head_dim",
                format!(
                    "missing, and hidden_size {hidden_size} is not a multiple of num_attention_heads {num_heads}"
                ),
            ));
        }
    };
    let eos_token_ids = fields
        .optional_token_ids("eos_token_id")?
        .unwrap_or_default();
    let dtype = match fields.optional_str("torch_dtype")? {
        Some(dtype) => Some(dtype),
        None => fields.optional_str("dtype")?,
    };
    let config = CausalLmConfig {
        vocab_size: fields.usize("vocab_size")?,
        hidden_size,
        intermediate_size: fields.usize("intermediate_size")?,
        num_layers: fields.usize("num_hidden_layers")?,
        num_heads,
        num_kv_heads: fields
            .optional_usize("num_key_value_heads")?
            .unwrap_or(num_heads),
        head_dim,
        rope_theta: rope_theta(&fields)?,
        rms_norm_eps: fields.optional_f64("rms_norm_eps")?.unwrap_or(1e-6),
        max_position_embeddings: fields
            .optional_usize("max_position_embeddings")?
            .unwrap_or(2048),
        tie_word_embeddings: fields
            .optional_bool("tie_word_embeddings")?
            .unwrap_or(false),
        bos_token_id: fields.optional_token_id("bos_token_id")?,
        eos_token_id: eos_token_ids.first().copied(),
    };
    config
        .validate(&path.display().to_string())
        .map_err(|error| match error {
            CausalLmError::Config { field, message, .. } => {
                HfError::field(path, hf_field_name(&field), message)
            }
            other => HfError::Weights {
                path: path.to_path_buf(),
                message: other.to_string(),
            },
        })?;
    Ok(HfConfig {
        config,
        eos_token_ids,
        dtype: dtype.map(str::to_owned),
    })
}

/// `rope_theta`, or transformers 5's `rope_parameters.rope_theta`, or 10000.
fn rope_theta(fields: &Fields<'_>) -> Result<f64, HfError> {
    if let Some(theta) = fields.optional_f64("rope_theta")? {
        return Ok(theta);
    }
    match fields
        .get("rope_parameters")
        .and_then(|parameters| parameters.get("rope_theta"))
    {
        Some(theta) => theta.as_f64().ok_or_else(|| {
            HfError::field(
                fields.path,
                "rope_parameters.rope_theta",
                format!("expected a number, got {theta}"),
            )
        }),
        None => Ok(10_000.0),
    }
}

/// The config.json name of a [`CausalLmConfig`] field.
fn hf_field_name(field: &str) -> &str {
    match field {
        "num_layers" => "num_hidden_layers",
        "num_heads" => "num_attention_heads",
        "num_kv_heads" => "num_key_value_heads",
        other => other,
    }
}

/// Refuses models this implementation would run wrongly.
fn refuse_unsupported(fields: &Fields<'_>) -> Result<(), HfError> {
    let refuse = |field: &str, value: &Value, message: &str| HfError::Unsupported {
        path: fields.path.to_path_buf(),
        field: field.to_string(),
        value: value.to_string(),
        message: message.to_string(),
    };
    let model_type = fields
        .optional_str("model_type")?
        .ok_or_else(|| HfError::field(fields.path, "model_type", "missing: expected \"llama\""))?;
    if model_type != MODEL_TYPE {
        return Err(refuse(
            "model_type",
            &json!(model_type),
            "expected \"llama\" (a Llama-family model)",
        ));
    }
    if let Some(architectures) = fields.optional_strings("architectures")?
        && !architectures.contains(&ARCHITECTURE)
    {
        return Err(refuse(
            "architectures",
            &json!(architectures),
            "expected [\"LlamaForCausalLM\"]",
        ));
    }
    if let Some(activation) = fields.optional_str("hidden_act")?
        && activation != "silu"
    {
        return Err(refuse(
            "hidden_act",
            &json!(activation),
            "only \"silu\" (SwiGLU) is implemented",
        ));
    }
    for field in ["attention_bias", "mlp_bias"] {
        if fields.optional_bool(field)? == Some(true) {
            return Err(refuse(
                field,
                &json!(true),
                "projections with biases are not implemented",
            ));
        }
    }
    for field in ["rope_scaling", "rope_parameters"] {
        if let Some(scaling) = fields.get(field) {
            let rope_type = scaling.get("rope_type").or_else(|| scaling.get("type"));
            if !scaling.is_object() || rope_type.is_some_and(|kind| kind != "default") {
                return Err(refuse(
                    field,
                    scaling,
                    "only plain rotary embeddings (rope_type \"default\") are implemented",
                ));
            }
        }
    }
    if let Some(factor) = fields.optional_f64("partial_rotary_factor")?
        && factor != 1.0
    {
        return Err(refuse(
            "partial_rotary_factor",
            &json!(factor),
            "partial rotary embeddings are not implemented",
        ));
    }
    for field in ["sliding_window", "quantization_config"] {
        if let Some(value) = fields.get(field) {
            let message = if field == "sliding_window" {
                "sliding-window attention is not implemented"
            } else {
                "quantized checkpoints cannot be loaded: give float32, float16 or bfloat16 weights"
            };
            return Err(refuse(field, value, message));
        }
    }
    for field in ["torch_dtype", "dtype"] {
        if let Some(dtype) = fields.optional_str(field)?
            && !matches!(dtype, "float32" | "float16" | "bfloat16")
        {
            return Err(refuse(
                field,
                &json!(dtype),
                "expected \"float32\", \"float16\" or \"bfloat16\"",
            ));
        }
    }
    Ok(())
}

/// The end-of-sequence ids of a `generation_config.json`, when the file states them.
pub fn read_generation_eos(path: &Path) -> Result<Option<Vec<u32>>, HfError> {
    let object = read_object(path)?;
    Fields {
        path,
        object: &object,
    }
    .optional_token_ids("eos_token_id")
}

/// One id as a JSON integer, several as a list, none as null.
fn ids_json(ids: &[u32]) -> Value {
    match ids {
        [] => Value::Null,
        [id] => json!(id),
        ids => json!(ids),
    }
}

/// The `config.json` transformers loads as a float32 `LlamaForCausalLM` of architecture
/// `config`; `eos_token_ids` are written as `eos_token_id` (the config's own when empty).
pub fn config_json(config: &CausalLmConfig, eos_token_ids: &[u32]) -> Value {
    let eos: Vec<u32> = if eos_token_ids.is_empty() {
        config.eos_token_id.into_iter().collect()
    } else {
        eos_token_ids.to_vec()
    };
    json!({
        "architectures": [ARCHITECTURE],
        "model_type": MODEL_TYPE,
        "vocab_size": config.vocab_size,
        "hidden_size": config.hidden_size,
        "intermediate_size": config.intermediate_size,
        "num_hidden_layers": config.num_layers,
        "num_attention_heads": config.num_heads,
        "num_key_value_heads": config.num_kv_heads,
        "head_dim": config.head_dim,
        "hidden_act": "silu",
        "max_position_embeddings": config.max_position_embeddings,
        "rms_norm_eps": config.rms_norm_eps,
        "rope_theta": config.rope_theta,
        "rope_scaling": null,
        "attention_bias": false,
        "attention_dropout": 0.0,
        "mlp_bias": false,
        "tie_word_embeddings": config.tie_word_embeddings,
        "bos_token_id": config.bos_token_id,
        "eos_token_id": ids_json(&eos),
        "initializer_range": 0.02,
        "use_cache": true,
        "torch_dtype": "float32",
    })
}

/// The `generation_config.json` of an export: the BOS and EOS ids.
pub fn generation_config_json(config: &CausalLmConfig, eos_token_ids: &[u32]) -> Value {
    json!({
        "bos_token_id": config.bos_token_id,
        "eos_token_id": ids_json(eos_token_ids),
    })
}
