//! DPO's sigmoid loss.

use crate::{defaults, scores::log_ratios};
use prefopt_core::burn::tensor::activation::log_sigmoid;
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// DPO (Rafailov et al. 2023, arXiv:2305.18290, eq. 7), with conservative label smoothing
/// (cDPO, Mitchell 2023):
///
/// `L = -(1 - eps) log sigmoid(beta * m) - eps * log sigmoid(-beta * m)`,
/// `m = (log pi(y_w|x) - log pi_ref(y_w|x)) - (log pi(y_l|x) - log pi_ref(y_l|x))`.
///
/// Its population minimizer under Bradley–Terry preferences is
/// `pi* = pi_ref exp(r / beta) / Z` (eq. 4). TRL's `loss_type = "sigmoid"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dpo {
    /// The KL coefficient beta.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// eps: the assumed probability that a preference label is flipped, in `[0, 0.5)`.
    #[serde(default)]
    pub label_smoothing: f64,
}

impl Default for Dpo {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
            label_smoothing: 0.0,
        }
    }
}

#[plugin(
    name = "dpo",
    summary = "Direct preference optimization: -log sigmoid(beta * log-ratio margin)",
    paper = "arXiv:2305.18290"
)]
impl PreferenceObjective for Dpo {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (chosen, rejected) = log_ratios(pairs, false);
        let logits = (chosen - rejected) * self.beta;
        let eps = self.label_smoothing;
        let mut losses = -log_sigmoid(logits.clone()) * (1.0 - eps);
        if eps > 0.0 {
            losses = losses - log_sigmoid(-logits) * eps;
        }
        ObjectiveOutput {
            loss: pairs.mean(losses),
            metrics: pairs.trl_metrics(self.beta),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)?;
        if !(0.0..0.5).contains(&self.label_smoothing) {
            return Err(ConfigError::new(
                "label_smoothing",
                format!("must be in [0, 0.5), got {}", self.label_smoothing),
            ));
        }
        Ok(())
    }

    fn beta(&self) -> Option<f64> {
        Some(self.beta)
    }
}
