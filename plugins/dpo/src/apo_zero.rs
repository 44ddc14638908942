//! APO-zero (`apo_zero`).

use crate::{defaults, logistic};
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// Anchored preference optimization, zero variant (APO-zero, D'Oosterlinck et al. 2024,
/// arXiv:2408.06266, eq. 7):
///
/// `L = (1 - sigmoid(beta * u_w)) + sigmoid(beta * u_l)`,
///
/// `u = log pi(y|x) - log pi_ref(y|x)` (raw log-ratios: TRL refuses f-divergences here). It raises
/// the chosen likelihood and lowers the rejected one, each anchored at the reference: use it when
/// the chosen completions are better than what the model produces now. TRL's
/// `loss_type = "apo_zero"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApoZero {
    /// The KL coefficient beta.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
}

impl Default for ApoZero {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
        }
    }
}

#[plugin(
    name = "apo_zero",
    summary = "APO-zero: raise the chosen and lower the rejected likelihood, anchored",
    paper = "arXiv:2408.06266"
)]
impl PreferenceObjective for ApoZero {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let chosen = -logistic::sigmoid(pairs.chosen_log_ratio() * self.beta) + 1.0;
        let rejected = logistic::sigmoid(pairs.rejected_log_ratio() * self.beta);
        ObjectiveOutput {
            loss: pairs.mean(chosen + rejected),
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
        // beta u_w = ln 3, beta u_l = -ln 3: (1 - 3/4) + 1/4 = 1/2.
        let pairs = one_pair(10.0 * 3f32.ln(), -10.0 * 3f32.ln());
        assert_close(loss(&ApoZero::default(), &pairs), 0.5);
    }
}
