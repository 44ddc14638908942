//! The loss fields of TRL's `DPOConfig`.

use crate::defaults;
use serde::{Deserialize, Deserializer, Serialize};

/// The loss settings of TRL's `DPOConfig` (TRL 1.x), with TRL's names and defaults:
///
/// ```toml
/// loss_type = ["sigmoid", "bco_pair", "sft"]   # or one name: loss_type = "sigmoid"
/// loss_weights = [0.8, 0.2, 1.0]               # omitted (TRL: None): 1.0 each
/// beta = 0.1
/// label_smoothing = 0.0                        # robust, exo_pair, aot, aot_unpaired
/// f_divergence_type = "reverse_kl"             # forward_kl, js_divergence, alpha_divergence
/// f_alpha_divergence_coef = 0.5
/// discopop_tau = 0.05
/// ```
///
/// Names are kept as strings so an unknown one is reported with its field by
/// [`translate`](super::translate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrlSettings {
    /// The losses, by TRL name ([`LOSS_TYPES`](super::LOSS_TYPES)); a single name is accepted too.
    #[serde(default = "default_loss_type", deserialize_with = "one_or_many")]
    pub loss_type: Vec<String>,
    /// One weight per loss type; `None` (null, or omitted): 1.0 each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_weights: Option<Vec<f64>>,
    /// beta, shared by every loss type (IPO's tau).
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// Label smoothing: robust's and AOT's flip rate, EXO's epsilon; other losses ignore it.
    #[serde(default)]
    pub label_smoothing: f64,
    /// The f-divergence: `reverse_kl`, `forward_kl`, `js_divergence` or `alpha_divergence`.
    #[serde(default = "default_f_divergence_type")]
    pub f_divergence_type: String,
    /// alpha of `alpha_divergence`.
    #[serde(default = "defaults::f_alpha_divergence_coef")]
    pub f_alpha_divergence_coef: f64,
    /// DiscoPOP's tau.
    #[serde(default = "defaults::discopop_tau")]
    pub discopop_tau: f64,
}

impl Default for TrlSettings {
    fn default() -> Self {
        Self {
            loss_type: default_loss_type(),
            loss_weights: None,
            beta: defaults::beta(),
            label_smoothing: 0.0,
            f_divergence_type: default_f_divergence_type(),
            f_alpha_divergence_coef: defaults::f_alpha_divergence_coef(),
            discopop_tau: defaults::discopop_tau(),
        }
    }
}

fn default_loss_type() -> Vec<String> {
    vec!["sigmoid".to_string()]
}

fn default_f_divergence_type() -> String {
    "reverse_kl".to_string()
}

/// Accepts `"sigmoid"` as well as `["sigmoid", ...]`, as TRL does.
fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(name) => vec![name],
        OneOrMany::Many(names) => names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_trl_json_with_defaults() {
        let settings: TrlSettings =
            serde_json::from_str(r#"{"loss_type": "ipo", "loss_weights": null, "beta": 0.2}"#)
                .unwrap();
        assert_eq!(settings.loss_type, vec!["ipo"]);
        assert_eq!(settings.loss_weights, None);
        assert_eq!(settings.f_divergence_type, "reverse_kl");
        assert_eq!(settings.discopop_tau, 0.05);
        assert!(serde_json::from_str::<TrlSettings>(r#"{"los_type": ["ipo"]}"#).is_err());
    }
}
