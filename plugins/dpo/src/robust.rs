//! Robust DPO (`robust`).

use crate::divergence::{FDivergence, FDivergenceType};
use crate::{checks, defaults};
use prefopt_core::burn::tensor::activation::log_sigmoid;
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// Robust DPO (rDPO, Chowdhury et al. 2024, arXiv:2403.00409): the unbiased estimate of the DPO
/// loss under labels flipped with probability eps,
///
/// `L = ((1 - eps) * (-log sigmoid(beta * d)) - eps * (-log sigmoid(-beta * d))) / (1 - 2 eps)`,
///
/// `d = s(u_w) - s(u_l)`, `u = log pi(y|x) - log pi_ref(y|x)`, `s` the [`FDivergence`] score.
/// Unlike cDPO's smoothing (a convex mix), the flipped term is subtracted, so in expectation over
/// the noise the loss is DPO's on clean labels. TRL's `loss_type = "robust"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Robust {
    /// The KL coefficient beta.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// eps: the assumed label-flip rate, in `[0, 0.5)` (the paper's typical value is 0.1).
    #[serde(default = "defaults::robust_label_smoothing")]
    pub label_smoothing: f64,
    /// The f-divergence of the score stage (TRL's `f_divergence_type`).
    #[serde(default)]
    pub f_divergence_type: FDivergenceType,
    /// alpha of `alpha_divergence` (TRL's `f_alpha_divergence_coef`).
    #[serde(default = "defaults::f_alpha_divergence_coef")]
    pub f_alpha_divergence_coef: f64,
}

impl Default for Robust {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
            label_smoothing: defaults::robust_label_smoothing(),
            f_divergence_type: FDivergenceType::default(),
            f_alpha_divergence_coef: defaults::f_alpha_divergence_coef(),
        }
    }
}

impl Robust {
    /// The score stage.
    pub fn divergence(&self) -> FDivergence {
        FDivergence::new(self.f_divergence_type, self.f_alpha_divergence_coef)
    }
}

#[plugin(
    name = "robust",
    summary = "Robust DPO: unbiased DPO loss under a known label-flip rate",
    paper = "arXiv:2403.00409"
)]
impl PreferenceObjective for Robust {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (chosen, rejected) = self.divergence().scores(pairs);
        let logits = (chosen - rejected) * self.beta;
        let eps = self.label_smoothing;
        let clean = -log_sigmoid(logits.clone()) * (1.0 - eps);
        let flipped = -log_sigmoid(-logits) * eps;
        let losses = (clean - flipped) / (1.0 - 2.0 * eps);
        ObjectiveOutput {
            loss: pairs.mean(losses),
            metrics: pairs.trl_metrics(self.beta),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)?;
        checks::flip_rate("label_smoothing", self.label_smoothing)?;
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
    fn hand_computed_value() {
        // beta * margin = ln 3, eps = 0.1: (0.9 ln(4/3) - 0.1 ln 4) / 0.8.
        let pairs = one_pair(5.0 * 3f32.ln(), -5.0 * 3f32.ln());
        let expected = (0.9 * (4f64 / 3.0).ln() - 0.1 * 4f64.ln()) / 0.8;
        assert_close(loss(&Robust::default(), &pairs), expected);
    }

    #[test]
    fn flip_rate_of_one_half_is_refused() {
        let bad = Robust {
            label_smoothing: 0.5,
            ..Robust::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "label_smoothing");
    }
}
