//! APO-down (`apo_down`).

use crate::{defaults, logistic};
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// Anchored preference optimization, down variant (APO-down, D'Oosterlinck et al. 2024,
/// arXiv:2408.06266, eq. 8):
///
/// `L = sigmoid(beta * u_w) + (1 - sigmoid(beta * (u_w - u_l)))`,
///
/// `u = log pi(y|x) - log pi_ref(y|x)` (raw log-ratios for both terms: TRL refuses f-divergences
/// here). It lowers the chosen likelihood and the rejected one more: use it when even the chosen
/// completions are worse than what the model produces now. TRL's `loss_type = "apo_down"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApoDown {
    /// The KL coefficient beta.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
}

impl Default for ApoDown {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
        }
    }
}

#[plugin(
    name = "apo_down",
    summary = "APO-down: lower the chosen likelihood, and the rejected one more",
    paper = "arXiv:2408.06266"
)]
impl PreferenceObjective for ApoDown {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let chosen = pairs.chosen_log_ratio() * self.beta;
        let margin = pairs.log_ratio_margin() * self.beta;
        let losses = logistic::sigmoid(chosen) - logistic::sigmoid(margin) + 1.0;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, loss, one_pair};

    #[test]
    fn hand_computed_value() {
        // beta u_w = ln 3, beta u_l = 0: 3/4 + (1 - 3/4) = 1.
        let pairs = one_pair(10.0 * 3f32.ln(), 0.0);
        assert_close(loss(&ApoDown::default(), &pairs), 1.0);
    }
}
