//! Hugging Face Llama tensor names, this model's module paths, and the shapes between them.

use crate::causal_lm::CausalLmConfig;
use burn::store::KeyRemapper;

/// Per block: the Hugging Face name after `model.layers.N.`, and this model's module path after
/// `blocks.N.` (norm weights as Hugging Face names them: burn's `PyTorchToBurnAdapter` maps
/// `weight` to an `RmsNorm`'s `gamma`).
const BLOCK_TENSORS: [(&str, &str); 9] = [
    ("input_layernorm.weight", "attention_norm.weight"),
    ("self_attn.q_proj.weight", "attention.query.weight"),
    ("self_attn.k_proj.weight", "attention.key.weight"),
    ("self_attn.v_proj.weight", "attention.value.weight"),
    ("self_attn.o_proj.weight", "attention.output.weight"),
    ("post_attention_layernorm.weight", "mlp_norm.weight"),
    ("mlp.gate_proj.weight", "mlp.gate_up.linear_inner.weight"),
    ("mlp.up_proj.weight", "mlp.gate_up.linear_outer.weight"),
    ("mlp.down_proj.weight", "mlp.down.weight"),
];

/// Outside the blocks: Hugging Face name, module path.
const MODEL_TENSORS: [(&str, &str); 3] = [
    ("model.embed_tokens.weight", "embedding.weight"),
    ("model.norm.weight", "norm.weight"),
    ("lm_head.weight", "head.weight"),
];

/// The Hugging Face output head, present only when untied.
pub const LM_HEAD: &str = "lm_head.weight";

/// Every tensor a Hugging Face checkpoint of architecture `config` holds, with its shape
/// (PyTorch order: `Linear` weights `[d_out, d_in]`); `lm_head.weight` only when untied.
pub fn expected_tensors(config: &CausalLmConfig) -> Vec<(String, Vec<usize>)> {
    let (vocab, hidden, ffn) = (
        config.vocab_size,
        config.hidden_size,
        config.intermediate_size,
    );
    let (q_width, kv_width) = (config.q_width(), config.kv_width());
    let mut tensors = vec![("model.embed_tokens.weight".to_string(), vec![vocab, hidden])];
    for layer in 0..config.num_layers {
        let shapes: [Vec<usize>; 9] = [
            vec![hidden],
            vec![q_width, hidden],
            vec![kv_width, hidden],
            vec![kv_width, hidden],
            vec![hidden, q_width],
            vec![hidden],
            vec![ffn, hidden],
            vec![ffn, hidden],
            vec![hidden, ffn],
        ];
        for ((suffix, _), shape) in BLOCK_TENSORS.iter().zip(shapes) {
            tensors.push((format!("model.layers.{layer}.{suffix}"), shape));
        }
    }
    tensors.push(("model.norm.weight".to_string(), vec![hidden]));
    if !config.tie_word_embeddings {
        tensors.push((LM_HEAD.to_string(), vec![vocab, hidden]));
    }
    tensors
}

fn pattern(name: &str) -> String {
    name.replace('.', r"\.")
}

/// Regex pairs from Hugging Face names to module paths (`to_module`) or back.
fn pairs(to_module: bool) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (hf, module) in MODEL_TENSORS {
        let (from, to) = if to_module {
            (hf, module)
        } else {
            (module, hf)
        };
        pairs.push((format!("^{}$", pattern(from)), to.to_string()));
    }
    for (hf, module) in BLOCK_TENSORS {
        pairs.push(if to_module {
            (
                format!(r"^model\.layers\.(\d+)\.{}$", pattern(hf)),
                format!("blocks.$1.{module}"),
            )
        } else {
            (
                format!(r"^blocks\.(\d+)\.{}$", pattern(module)),
                format!("model.layers.$1.{hf}"),
            )
        });
    }
    pairs
}

fn remapper(to_module: bool) -> KeyRemapper {
    KeyRemapper::from_patterns(pairs(to_module)).expect("the name patterns are valid regexes")
}

/// Renames Hugging Face tensors to this model's module paths (for loading).
pub fn hf_to_module_remapper() -> KeyRemapper {
    remapper(true)
}

/// Renames this model's module paths to Hugging Face tensor names (for export).
pub fn module_to_hf_remapper() -> KeyRemapper {
    remapper(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rename(remapper: &KeyRemapper, name: &str) -> String {
        // As `KeyRemapper::remap` does: every pattern in turn.
        remapper
            .to_regex_pairs()
            .iter()
            .fold(name.to_string(), |name, (regex, to)| {
                regex.replace_all(&name, to.as_str()).into_owned()
            })
    }

    #[test]
    fn names_round_trip_through_module_paths() {
        let mut config = CausalLmConfig::tiny();
        config.tie_word_embeddings = false;
        let (to_module, to_hf) = (hf_to_module_remapper(), module_to_hf_remapper());
        let names = expected_tensors(&config);
        assert_eq!(names.len(), 3 + 9 * config.num_layers);
        for (name, _) in names {
            let module = rename(&to_module, &name);
            assert_ne!(module, name, "{name} is not renamed");
            assert_eq!(rename(&to_hf, &module), name);
        }
        assert_eq!(
            rename(&to_module, "model.layers.11.mlp.up_proj.weight"),
            "blocks.11.mlp.gate_up.linear_outer.weight"
        );
    }
}
