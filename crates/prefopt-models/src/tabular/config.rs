//! The `[policy] type = "tabular"` config.

use super::policy::TabularPolicy;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{Policy, PolicyConfig, PrefoptError, Task, plugin};
use serde::{Deserialize, Serialize};

/// A tabular softmax policy for a task whose outputs can be enumerated (`[policy] type =
/// "tabular"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TabularPolicyConfig {
    /// Where the logits start.
    pub init: TabularInit,
}

/// Initial logits of a tabular policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TabularInit {
    /// `theta = log pi_ref`: the policy starts at the reference (the usual fine-tuning start).
    #[default]
    Reference,
    /// `theta = 0`: the uniform policy.
    Uniform,
}

#[plugin(
    name = "tabular",
    summary = "Tabular softmax policy, one logit per (context, output), initialized to pi_ref",
    paper = "arXiv:2305.18290"
)]
impl PolicyConfig for TabularPolicyConfig {
    fn build(&self, task: &dyn Task, device: &Device) -> Result<Box<dyn Policy>, PrefoptError> {
        let truth = task.truth().ok_or_else(|| {
            PrefoptError::Incompatible(
                "policy `tabular` needs a task whose outputs can be enumerated, such as `bandit`"
                    .into(),
            )
        })?;
        let logits = match self.init {
            TabularInit::Reference => truth.reference_logps.clone(),
            TabularInit::Uniform => vec![0.0; truth.reference_logps.len()],
        };
        Ok(Box::new(TabularPolicy::from_logits(
            &logits,
            truth.contexts,
            truth.outputs,
            device,
        )))
    }
}
