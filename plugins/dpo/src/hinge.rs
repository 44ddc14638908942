//! SLiC's hinge loss (`hinge`).

use crate::defaults;
use crate::divergence::{FDivergence, FDivergenceType};
use prefopt_core::burn::tensor::activation::relu;
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// SLiC-HF's calibration (hinge) loss on the reference-normalized likelihood (Zhao et al. 2023,
/// arXiv:2305.10425; with the reference log-ratios, as TRL computes it):
///
/// `L = max(0, 1 - beta * d)`, `d = s(u_w) - s(u_l)`,
///
/// `u = log pi(y|x) - log pi_ref(y|x)`, `s` the [`FDivergence`] score (`d` is DPO's margin for the
/// default reverse KL). `1 / beta` is the margin the chosen log-ratio must clear; past it a pair
/// contributes nothing. TRL's `loss_type = "hinge"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hinge {
    /// beta: the hinge margin is `1 / beta`.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// The f-divergence of the score stage (TRL's `f_divergence_type`).
    #[serde(default)]
    pub f_divergence_type: FDivergenceType,
    /// alpha of `alpha_divergence` (TRL's `f_alpha_divergence_coef`).
    #[serde(default = "defaults::f_alpha_divergence_coef")]
    pub f_alpha_divergence_coef: f64,
}

impl Default for Hinge {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
            f_divergence_type: FDivergenceType::default(),
            f_alpha_divergence_coef: defaults::f_alpha_divergence_coef(),
        }
    }
}

impl Hinge {
    /// The score stage.
    pub fn divergence(&self) -> FDivergence {
        FDivergence::new(self.f_divergence_type, self.f_alpha_divergence_coef)
    }
}

#[plugin(
    name = "hinge",
    summary = "SLiC hinge loss: max(0, 1 - beta * log-ratio margin)",
    paper = "arXiv:2305.10425"
)]
impl PreferenceObjective for Hinge {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (chosen, rejected) = self.divergence().scores(pairs);
        let losses = relu(-((chosen - rejected) * self.beta) + 1.0);
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
        // Margins 5 and 20 at beta 0.1: max(0, 1 - 0.5) = 0.5 and max(0, 1 - 2) = 0; mean 0.25.
        let batch = pairs(
            &[-1.0, -1.0],
            &[-6.0, -21.0],
            &[0.0, 0.0],
            &[0.0, 0.0],
            &[1.0; 2],
            &[1.0; 2],
        );
        assert_close(loss(&Hinge::default(), &batch), 0.25);
    }
}
