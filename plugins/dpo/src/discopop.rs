//! DiscoPOP's log-ratio modulated loss (`discopop`).

use crate::divergence::{FDivergence, FDivergenceType, MAX_EXPONENT};
use crate::{checks, defaults};
use prefopt_core::burn::tensor::activation::log_sigmoid;
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// DiscoPOP, the discovered log-ratio modulated loss (Chris Lu et al. 2024, arXiv:2406.08414,
/// eq. 5):
///
/// `L = (1 - m) * (-log sigmoid(z)) + m * exp(-z)`, `m = sigmoid(z / tau)`, `z = beta * d`,
///
/// `d = s(u_w) - s(u_l)`, `u = log pi(y|x) - log pi_ref(y|x)`, `s` the [`FDivergence`] score: the
/// logistic loss for negative margins, the exponential loss for positive ones, blended over a
/// width `tau` around 0. Around 0 the blend is not monotone (the loss rises from `log 2` toward 1
/// for `-2.4 tau < z < 1.5 tau`), as in the paper's figure of the loss. Computed in log space:
/// `m * exp(-z) = exp(-z + log sigmoid(z / tau))` (exponent clamped at 80), so no `inf * 0`.
/// TRL's `loss_type = "discopop"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discopop {
    /// The KL coefficient beta.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// tau: the width of the blend between the logistic and exponential losses (> 0).
    #[serde(default = "defaults::discopop_tau")]
    pub discopop_tau: f64,
    /// The f-divergence of the score stage (TRL's `f_divergence_type`).
    #[serde(default)]
    pub f_divergence_type: FDivergenceType,
    /// alpha of `alpha_divergence` (TRL's `f_alpha_divergence_coef`).
    #[serde(default = "defaults::f_alpha_divergence_coef")]
    pub f_alpha_divergence_coef: f64,
}

impl Default for Discopop {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
            discopop_tau: defaults::discopop_tau(),
            f_divergence_type: FDivergenceType::default(),
            f_alpha_divergence_coef: defaults::f_alpha_divergence_coef(),
        }
    }
}

impl Discopop {
    /// The score stage.
    pub fn divergence(&self) -> FDivergence {
        FDivergence::new(self.f_divergence_type, self.f_alpha_divergence_coef)
    }
}

#[plugin(
    name = "discopop",
    summary = "DiscoPOP: logistic and exponential losses blended by sigmoid(margin / tau)",
    paper = "arXiv:2406.08414"
)]
impl PreferenceObjective for Discopop {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (chosen, rejected) = self.divergence().scores(pairs);
        let z = (chosen - rejected) * self.beta;
        let scaled = z.clone() / self.discopop_tau;
        // 1 - m = sigmoid(-z / tau).
        let logistic = -log_sigmoid(z.clone()) * log_sigmoid(-scaled.clone()).exp();
        let exponential = (-z + log_sigmoid(scaled)).clamp_max(MAX_EXPONENT).exp();
        ObjectiveOutput {
            loss: pairs.mean(logistic + exponential),
            metrics: pairs.trl_metrics(self.beta),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)?;
        checks::positive("discopop_tau", self.discopop_tau, "the width of the blend")?;
        self.divergence().validate()
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
    fn hand_computed_values() {
        // z = 0: m = 1/2, L = (ln 2 + 1) / 2.
        assert_close(
            loss(&Discopop::default(), &one_pair(-2.0, -2.0)),
            (2f64.ln() + 1.0) / 2.0,
        );
        // z = ln 3 = 22 tau: m = sigmoid(22) ~ 1, L ~ exp(-ln 3) = 1/3.
        let pairs = one_pair(5.0 * 3f32.ln(), -5.0 * 3f32.ln());
        let m = 1.0 / (1.0 + (-(3f64.ln()) / 0.05).exp());
        assert_close(
            loss(&Discopop::default(), &pairs),
            (1.0 - m) * (4f64 / 3.0).ln() + m / 3.0,
        );
    }

    #[test]
    fn extreme_margins_stay_finite() {
        for (chosen, rejected) in [(-1e3f32, 0.0f32), (0.0, -1e3)] {
            let loss = loss(&Discopop::default(), &one_pair(chosen, rejected));
            assert!(loss.is_finite(), "{loss}");
        }
    }
}
