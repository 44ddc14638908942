//! LoRA adapters alone, as PEFT writes them: `adapter_config.json` and
//! `adapter_model.safetensors`, which `peft.PeftModel.from_pretrained(base, dir)` loads over the
//! base model exported by [`export_hf`](crate::causal_lm::export_hf).
//!
//! PEFT's update of a PyTorch weight `W: [d_out, d_in]` is `W + (alpha / r) B A` with
//! `lora_A.weight = A: [r, d_in]` and `lora_B.weight = B: [d_out, r]` (Hu et al. 2021,
//! arXiv:2106.09685, eq. 3). burn stores `W^T: [d_in, d_out]` and the update `(alpha / r) a b`
//! with `a: [d_in, r]`, `b: [r, d_out]`, so `A = a^T` and `B = b^T`, the rows of `B` of the
//! query and key projections permuted to the rotate-half layout as the exported base's are.

use super::config::CausalLmConfig;
use super::lora::{LORA_TARGETS, LoraConfig};
use super::model::CausalLm;
use super::qk_layout::internal_to_hf_qk;
use prefopt_core::PrefoptError;
use prefopt_core::burn::module::Param;
use prefopt_core::burn::tensor::Tensor;
use prefopt_core::fs::write_atomic;
use safetensors::tensor::TensorView;
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;

/// PEFT's adapter settings file.
pub const ADAPTER_CONFIG_FILE: &str = "adapter_config.json";
/// PEFT's adapter weights file.
pub const ADAPTER_WEIGHTS_FILE: &str = "adapter_model.safetensors";

/// The weight of projection `name` (a Hugging Face name of [`LORA_TARGETS`]) in block `layer`.
///
/// # Panics
/// When `name` is not one of [`LORA_TARGETS`] or `layer` is out of range.
pub fn projection_weight<'a>(
    model: &'a CausalLm,
    layer: usize,
    name: &str,
) -> &'a Param<Tensor<2>> {
    let block = &model.blocks[layer];
    match name {
        "q_proj" => &block.attention.query.weight,
        "k_proj" => &block.attention.key.weight,
        "v_proj" => &block.attention.value.weight,
        "o_proj" => &block.attention.output.weight,
        "gate_proj" => &block.mlp.gate_up.linear_inner.weight,
        "up_proj" => &block.mlp.gate_up.linear_outer.weight,
        "down_proj" => &block.mlp.down.weight,
        other => panic!("{other:?} is not a projection of this model"),
    }
}

/// PEFT's name of projection `name` in block `layer`, without the `.lora_A.weight` suffix.
fn peft_module(layer: usize, name: &str) -> String {
    let group = match name {
        "q_proj" | "k_proj" | "v_proj" | "o_proj" => "self_attn",
        _ => "mlp",
    };
    format!("base_model.model.model.layers.{layer}.{group}.{name}")
}

/// One adapter tensor as PEFT names and lays it out.
#[derive(Debug, Clone, PartialEq)]
pub struct PeftTensor {
    /// PEFT's name (`base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight`).
    pub name: String,
    /// PyTorch's shape: `[r, d_in]` for `lora_A`, `[d_out, r]` for `lora_B`.
    pub shape: Vec<usize>,
    /// The values, row-major.
    pub values: Vec<f32>,
}

/// The PEFT tensors of `model`'s adapters, PyTorch layout.
///
/// # Errors
/// When a target projection of `lora` carries no adapter.
pub fn peft_tensors(
    model: &CausalLm,
    config: &CausalLmConfig,
    lora: &LoraConfig,
) -> Result<Vec<PeftTensor>, PrefoptError> {
    let mut tensors = Vec::new();
    for layer in 0..config.num_layers {
        for (name, _) in LORA_TARGETS {
            if !lora.targets.iter().any(|target| target == name) {
                continue;
            }
            let adapter = projection_weight(model, layer, name)
                .adapter()
                .ok_or_else(|| {
                    PrefoptError::Model(format!(
                        "blocks.{layer} `{name}` has no LoRA adapter: the model was not adapted with these targets"
                    ))
                })?;
            let lora_a = adapter.a.val().transpose();
            let mut lora_b = adapter.b.val().transpose();
            if name == "q_proj" {
                lora_b = internal_to_hf_qk(lora_b, config.num_heads, config.head_dim, 0);
            } else if name == "k_proj" {
                lora_b = internal_to_hf_qk(lora_b, config.num_kv_heads, config.head_dim, 0);
            }
            let module = peft_module(layer, name);
            for (suffix, tensor) in [("lora_A", lora_a), ("lora_B", lora_b)] {
                let shape = tensor.dims().to_vec();
                let values = tensor
                    .into_data()
                    .try_into_vec_as::<f32>()
                    .map_err(|error| PrefoptError::Model(format!("{module}: {error:?}")))?;
                tensors.push(PeftTensor {
                    name: format!("{module}.{suffix}.weight"),
                    shape,
                    values,
                });
            }
        }
    }
    Ok(tensors)
}

/// PEFT's `adapter_config.json` for `lora`, naming `base_model` as the base (`lora_alpha` an
/// integer when it is one, as PEFT's own files have it).
pub fn peft_config_json(lora: &LoraConfig, base_model: &str) -> serde_json::Value {
    let alpha = if lora.alpha.fract() == 0.0 && lora.alpha.abs() < 1e15 {
        json!(lora.alpha as i64)
    } else {
        json!(lora.alpha)
    };
    json!({
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": base_model,
        "r": lora.rank,
        "lora_alpha": alpha,
        "target_modules": lora.targets,
        "lora_dropout": 0.0,
        "bias": "none",
        "fan_in_fan_out": false,
        "use_rslora": false,
        "use_dora": false,
        "init_lora_weights": true,
        "inference_mode": true,
        "modules_to_save": null,
        "layers_to_transform": null,
    })
}

/// Writes `model`'s LoRA adapters (architecture `config`, settings `lora`) to `out_dir` in
/// PEFT's format: `adapter_model.safetensors` (f32, `format: pt`), then `adapter_config.json`
/// ([`peft_config_json`], `base_model` as the base's name), each atomically. An existing
/// non-empty `out_dir` is refused unless `overwrite`.
pub fn export_peft_adapters(
    model: &CausalLm,
    config: &CausalLmConfig,
    lora: &LoraConfig,
    base_model: &str,
    out_dir: &Path,
    overwrite: bool,
) -> Result<(), PrefoptError> {
    let io = |source| PrefoptError::Io {
        path: out_dir.to_path_buf(),
        source,
    };
    if out_dir.exists() {
        let non_empty = std::fs::read_dir(out_dir).map_err(io)?.next().is_some();
        if non_empty && !overwrite {
            return Err(PrefoptError::Model(format!(
                "{}: exists and is not empty (give --overwrite to replace the adapter files)",
                out_dir.display()
            )));
        }
    }
    let tensors = peft_tensors(model, config, lora)?;
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|tensor| tensor.values.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let views = tensors
        .iter()
        .zip(&bytes)
        .map(|(tensor, data)| {
            TensorView::new(safetensors::Dtype::F32, tensor.shape.clone(), data)
                .map(|view| (tensor.name.clone(), view))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| PrefoptError::Model(format!("adapter tensors: {error}")))?;
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    let weights = safetensors::serialize(views, Some(metadata))
        .map_err(|error| PrefoptError::Model(format!("adapter tensors: {error}")))?;
    write_atomic(&out_dir.join(ADAPTER_WEIGHTS_FILE), &weights)?;
    let mut text = serde_json::to_string_pretty(&peft_config_json(lora, base_model))
        .expect("JSON values serialize");
    text.push('\n');
    write_atomic(&out_dir.join(ADAPTER_CONFIG_FILE), text.as_bytes())
}
