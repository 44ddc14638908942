//! NCA's pairwise loss (`nca_pair`).

use crate::defaults;
use prefopt_core::burn::tensor::activation::log_sigmoid;
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// Noise contrastive alignment, pairwise (NCA, Chen et al. 2024, arXiv:2402.05369):
///
/// `L = -log sigmoid(r_w) - 1/2 log sigmoid(-r_w) - 1/2 log sigmoid(-r_l)`, `r = beta * u`,
///
/// `u = log pi(y|x) - log pi_ref(y|x)` (raw log-ratios: TRL refuses f-divergences here). Each
/// completion's reward is scored on its own against the reference rather than only their
/// difference, so the chosen likelihood is kept from falling, unlike DPO's. TRL's
/// `loss_type = "nca_pair"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NcaPair {
    /// The KL coefficient beta.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
}

impl Default for NcaPair {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
        }
    }
}

#[plugin(
    name = "nca_pair",
    summary = "Noise contrastive alignment: each completion's reward scored against the reference",
    paper = "arXiv:2402.05369"
)]
impl PreferenceObjective for NcaPair {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let chosen = pairs.chosen_log_ratio() * self.beta;
        let rejected = pairs.rejected_log_ratio() * self.beta;
        let losses = -log_sigmoid(chosen.clone())
            - log_sigmoid(-chosen) * 0.5
            - log_sigmoid(-rejected) * 0.5;
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
        // r_w = ln 3, r_l = -ln 3: ln(4/3) + 1/2 ln 4 + 1/2 ln(4/3).
        let pairs = one_pair(10.0 * 3f32.ln(), -10.0 * 3f32.ln());
        let expected = 1.5 * (4f64 / 3.0).ln() + 0.5 * 4f64.ln();
        assert_close(loss(&NcaPair::default(), &pairs), expected);
    }
}
