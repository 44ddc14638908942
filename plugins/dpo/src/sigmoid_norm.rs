//! Length-normalized DPO (`sigmoid_norm`).

use crate::divergence::{FDivergence, FDivergenceType};
use crate::scores::per_token;
use crate::{defaults, logistic};
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// Length-normalized DPO, as used for Tülu 3 (Lambert et al. 2024, arXiv:2411.15124, eq. 6; the
/// normalization comes from SimPO, arXiv:2405.14734):
///
/// `L = -log sigmoid(beta * (s(u_w) / |y_w| - s(u_l) / |y_l|))`,
///
/// `u = log pi(y|x) - log pi_ref(y|x)`, `s` the [`FDivergence`] score, `|y|` the completion token
/// count. Per-token log-ratios remove DPO's pull toward longer completions; unlike SimPO it keeps
/// the reference. TRL's `loss_type = "sigmoid_norm"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigmoidNorm {
    /// The KL coefficient beta (on per-token log-ratios).
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// The f-divergence of the score stage (TRL's `f_divergence_type`).
    #[serde(default)]
    pub f_divergence_type: FDivergenceType,
    /// alpha of `alpha_divergence` (TRL's `f_alpha_divergence_coef`).
    #[serde(default = "defaults::f_alpha_divergence_coef")]
    pub f_alpha_divergence_coef: f64,
}

impl Default for SigmoidNorm {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
            f_divergence_type: FDivergenceType::default(),
            f_alpha_divergence_coef: defaults::f_alpha_divergence_coef(),
        }
    }
}

impl SigmoidNorm {
    /// The score stage.
    pub fn divergence(&self) -> FDivergence {
        FDivergence::new(self.f_divergence_type, self.f_alpha_divergence_coef)
    }
}

#[plugin(
    name = "sigmoid_norm",
    summary = "Length-normalized DPO (Tülu 3): -log sigmoid(beta * per-token log-ratio margin)",
    paper = "arXiv:2411.15124"
)]
impl PreferenceObjective for SigmoidNorm {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (chosen, rejected) = self.divergence().scores(pairs);
        let (chosen, rejected) = per_token(pairs, chosen, rejected);
        let losses = logistic::smoothed_logistic((chosen - rejected) * self.beta, 0.0);
        ObjectiveOutput {
            loss: pairs.mean(losses),
            metrics: pairs.trl_metrics(self.beta),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)?;
        self.divergence().validate()
    }

    fn beta(&self) -> Option<f64> {
        Some(self.beta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, loss, pairs};

    #[test]
    fn hand_computed_value() {
        // Per-token margin (20 ln 3) / 2 - 0 / 5 = 10 ln 3; beta 0.1 gives ln 3: ln(4/3).
        let batch = pairs(
            &[20.0 * 3f32.ln() - 30.0],
            &[-7.0],
            &[-30.0],
            &[-7.0],
            &[2.0],
            &[5.0],
        );
        assert_close(loss(&SigmoidNorm::default(), &batch), (4f64 / 3.0).ln());
    }
}
