//! IPO's squared loss.

use crate::{defaults, scores::log_ratios};
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// IPO (Azar et al. 2023, arXiv:2310.12036, eq. 17):
///
/// `L = (h - 1 / (2 tau))^2`, `h = (log pi(y_w|x) - log pi_ref(y_w|x)) / |y_w| - (log pi(y_l|x)
/// - log pi_ref(y_l|x)) / |y_l|`,
///
/// with beta playing tau and log-ratios averaged per token as TRL does (`loss_type = "ipo"`).
/// Unlike DPO it keeps a finite distance to the reference even when preferences are
/// deterministic: its margin is regressed to `1 / (2 tau)` rather than pushed to infinity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipo {
    /// tau, the regularization strength (TRL's beta).
    #[serde(default = "defaults::beta")]
    pub beta: f64,
}

impl Default for Ipo {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
        }
    }
}

#[plugin(
    name = "ipo",
    summary = "Identity preference optimization: squared regression of the margin to 1/(2 beta)",
    paper = "arXiv:2310.12036"
)]
impl PreferenceObjective for Ipo {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (chosen, rejected) = log_ratios(pairs, true);
        let target = 1.0 / (2.0 * self.beta);
        let losses = (chosen - rejected - target).powi_scalar(2);
        ObjectiveOutput {
            loss: pairs.mean(losses),
            metrics: pairs.trl_metrics(self.beta),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)
    }

    fn beta(&self) -> Option<f64> {
        Some(self.beta)
    }
}
