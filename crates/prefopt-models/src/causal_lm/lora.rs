//! LoRA adapters on the causal LM's projections (Hu et al. 2021, arXiv:2106.09685), through
//! burn's own [`Module::apply_lora`]: a frozen weight `W_0` becomes `W_0 + (alpha / r) A B`
//! (eq. 3, in burn's `[d_in, d_out]` layout), `A: [d_in, r]` random and `B: [r, d_out]` zero,
//! so the adapted model starts equal to the base.

use super::config::CausalLmConfig;
use super::model::CausalLm;
use prefopt_core::ConfigError;
use prefopt_core::burn::module::{Lora, Module, ModuleVisitor, Param, ParamGroup, ParamId};
use prefopt_core::burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// Hugging Face / PEFT projection names and this model's module path of each, within a block
/// (`blocks.N.`); `gate_proj` and `up_proj` are the two halves of burn's `SwiGlu`
/// (`linear_inner` is the gate, `linear_outer` the up projection).
pub const LORA_TARGETS: [(&str, &str); 7] = [
    ("q_proj", "attention.query.weight"),
    ("k_proj", "attention.key.weight"),
    ("v_proj", "attention.value.weight"),
    ("o_proj", "attention.output.weight"),
    ("gate_proj", "mlp.gate_up.linear_inner.weight"),
    ("up_proj", "mlp.gate_up.linear_outer.weight"),
    ("down_proj", "mlp.down.weight"),
];

/// The module name burn gives a LoRA adapter inside its parameter (`<weight>.lora.a`).
const ADAPTER_MODULE: &str = "lora";

/// `[policy] lora = { rank, alpha, targets }`: which projections get LoRA adapters, of what
/// rank and scale. Defaults are PEFT's `LoraConfig` defaults for Llama models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoraConfig {
    /// The rank `r` of each update `A B` (Hu et al. 2021, §4.1). Default 8.
    #[serde(default = "default_rank")]
    pub rank: usize,
    /// `alpha`: the update is scaled by `alpha / r` (Hu et al. 2021, §4.1). Default 8.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// The adapted projections, by their Hugging Face names: `q_proj`, `k_proj`, `v_proj`,
    /// `o_proj`, `gate_proj`, `up_proj`, `down_proj`. Default `["q_proj", "v_proj"]`.
    #[serde(default = "default_targets")]
    pub targets: Vec<String>,
}

fn default_rank() -> usize {
    8
}

fn default_alpha() -> f64 {
    8.0
}

fn default_targets() -> Vec<String> {
    vec!["q_proj".into(), "v_proj".into()]
}

impl Default for LoraConfig {
    /// PEFT's defaults: rank 8, alpha 8, `q_proj` and `v_proj`.
    fn default() -> Self {
        Self {
            rank: default_rank(),
            alpha: default_alpha(),
            targets: default_targets(),
        }
    }
}

impl LoraConfig {
    /// The update's scale `alpha / r`.
    pub fn scale(&self) -> f64 {
        self.alpha / self.rank as f64
    }

    /// Rejects a zero rank, a non-positive or non-finite alpha, no targets, and target names
    /// that are not projections of this model (the message lists the valid ones); `prefix`
    /// names the table in errors (e.g. `policy.lora`).
    pub fn validate(&self, prefix: &str) -> Result<(), ConfigError> {
        if self.rank == 0 {
            return Err(ConfigError::new(
                format!("{prefix}.rank"),
                "must be at least 1",
            ));
        }
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(ConfigError::new(
                format!("{prefix}.alpha"),
                format!("{} must be a positive number", self.alpha),
            ));
        }
        if self.targets.is_empty() {
            return Err(ConfigError::new(
                format!("{prefix}.targets"),
                format!("give at least one of {}", valid_targets()),
            ));
        }
        for (index, target) in self.targets.iter().enumerate() {
            if module_path(target).is_none() {
                return Err(ConfigError::new(
                    format!("{prefix}.targets[{index}]"),
                    format!(
                        "unknown projection {target:?}: expected one of {}",
                        valid_targets()
                    ),
                ));
            }
            if self.targets[..index].contains(target) {
                return Err(ConfigError::new(
                    format!("{prefix}.targets[{index}]"),
                    format!("{target:?} is listed twice"),
                ));
            }
        }
        Ok(())
    }

    /// The full module path of every adapted weight (`blocks.N.<path>`), for a model of
    /// `num_layers` blocks, in block order then [`LORA_TARGETS`] order.
    pub fn weight_paths(&self, num_layers: usize) -> Vec<String> {
        let mut paths = Vec::new();
        for layer in 0..num_layers {
            for (name, path) in LORA_TARGETS {
                if self.targets.iter().any(|target| target == name) {
                    paths.push(format!("blocks.{layer}.{path}"));
                }
            }
        }
        paths
    }

    /// The module paths of the adapter factors (`<weight>.lora.a`, `<weight>.lora.b`), in the
    /// order of [`weight_paths`](Self::weight_paths).
    pub fn adapter_paths(&self, num_layers: usize) -> Vec<String> {
        self.weight_paths(num_layers)
            .into_iter()
            .flat_map(|weight| {
                ["a", "b"].map(|factor| format!("{weight}.{ADAPTER_MODULE}.{factor}"))
            })
            .collect()
    }
}

/// This model's module path (within a block) of the Hugging Face projection `name`.
pub fn module_path(name: &str) -> Option<&'static str> {
    LORA_TARGETS
        .iter()
        .find(|(hf, _)| *hf == name)
        .map(|(_, path)| *path)
}

/// `q_proj, k_proj, ...`: the valid target names, for messages.
fn valid_targets() -> String {
    LORA_TARGETS
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `model` with LoRA adapters on `lora.targets` of every block (burn's
/// [`Module::apply_lora`]): every base parameter frozen, only the factors trainable.
///
/// `A` is drawn from `N(0, 1 / (3 d))` with `d` the model width: the variance of PEFT's
/// Kaiming-uniform `A` (bound `1 / sqrt(d_in)`) for every projection that reads the hidden
/// state; `B` starts at zero (Hu et al. 2021, §4.1). Draws come from the device's seeded RNG.
/// Every lazily initialized parameter is initialized first, so that copies taken before and
/// after (the reference) hold the same values.
pub fn apply_lora(model: CausalLm, config: &CausalLmConfig, lora: &LoraConfig) -> CausalLm {
    initialize_parameters(&model);
    let mut reparameterizer = Lora::new(lora.rank, lora.alpha)
        .set_param_group(ParamGroup::from_paths(lora.weight_paths(config.num_layers)));
    reparameterizer.init_std = Some(1.0 / (3.0 * config.hidden_size as f64).sqrt());
    model.apply_lora(reparameterizer)
}

/// Initializes every lazily initialized parameter of `model` (clones share the result).
pub fn initialize_parameters(model: &CausalLm) {
    struct Initialize;
    impl ModuleVisitor for Initialize {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let _ = param.val();
        }
    }
    model.visit(&mut Initialize);
}

/// The parameters inside LoRA adapters: their ids, and how many scalars they hold.
#[derive(Default)]
struct AdapterParams {
    depth: usize,
    ids: Vec<ParamId>,
    scalars: usize,
}

impl ModuleVisitor for AdapterParams {
    fn enter_module(&mut self, _name: &str, container_type: &str) {
        if container_type == "Reparameterization" || self.depth > 0 {
            self.depth += 1;
        }
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if self.depth > 0 {
            self.ids.push(param.id);
            self.scalars += param.lazy_shape().num_elements();
        }
    }
}

fn adapter_params(model: &CausalLm) -> AdapterParams {
    let mut visitor = AdapterParams::default();
    model.visit(&mut visitor);
    visitor
}

/// The number of scalars in `model`'s LoRA factors (its trainable parameters).
pub fn adapter_scalars(model: &CausalLm) -> usize {
    adapter_params(model).scalars
}

/// The parameter group of `model`'s LoRA factors, by parameter id.
pub fn adapter_group(model: &CausalLm) -> ParamGroup {
    ParamGroup::from_ids(adapter_params(model).ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_hugging_face_names() {
        let lora = LoraConfig {
            targets: vec!["v_proj".into(), "gate_proj".into()],
            ..LoraConfig::default()
        };
        assert_eq!(
            lora.weight_paths(2),
            [
                "blocks.0.attention.value.weight",
                "blocks.0.mlp.gate_up.linear_inner.weight",
                "blocks.1.attention.value.weight",
                "blocks.1.mlp.gate_up.linear_inner.weight",
            ]
        );
        assert_eq!(
            lora.adapter_paths(1),
            [
                "blocks.0.attention.value.weight.lora.a",
                "blocks.0.attention.value.weight.lora.b",
                "blocks.0.mlp.gate_up.linear_inner.weight.lora.a",
                "blocks.0.mlp.gate_up.linear_inner.weight.lora.b",
            ]
        );
        assert_eq!(lora.scale(), 1.0);
    }

    #[test]
    fn bad_settings_are_refused_naming_the_field() {
        let error = |lora: LoraConfig| lora.validate("policy.lora").unwrap_err().to_string();
        let message = error(LoraConfig {
            targets: vec!["q_proj".into(), "qkv".into()],
            ..LoraConfig::default()
        });
        assert!(
            message.contains("policy.lora.targets[1]")
                && message.contains("\"qkv\"")
                && message
                    .contains("q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"),
            "{message}"
        );
        let message = error(LoraConfig {
            rank: 0,
            ..LoraConfig::default()
        });
        assert!(message.contains("policy.lora.rank"), "{message}");
        let message = error(LoraConfig {
            alpha: f64::NAN,
            ..LoraConfig::default()
        });
        assert!(message.contains("policy.lora.alpha"), "{message}");
        let message = error(LoraConfig {
            targets: vec![],
            ..LoraConfig::default()
        });
        assert!(message.contains("policy.lora.targets"), "{message}");
        let message = error(LoraConfig {
            targets: vec!["q_proj".into(), "q_proj".into()],
            ..LoraConfig::default()
        });
        assert!(message.contains("listed twice"), "{message}");
    }
}
