//! IPO's squared loss (`ipo`).

use crate::defaults;
use crate::divergence::{FDivergence, FDivergenceType};
use crate::scores::per_token;
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// IPO (Azar et al. 2023, arXiv:2310.12036, eq. 17):
///
/// `L = (h - 1 / (2 tau))^2`, `h = s(u_w) / |y_w| - s(u_l) / |y_l|`,
///
/// with beta playing tau, `u = log pi(y|x) - log pi_ref(y|x)`, `s` the [`FDivergence`] score
/// (`s(u) = u` by default) and `|y|` the completion token count: TRL's per-token averaging
/// (`loss_type = "ipo"`), which the IPO authors confirmed matches their results. Unlike DPO it
/// keeps a finite distance to the reference even when preferences are deterministic: its margin is
/// regressed to `1 / (2 tau)` rather than pushed to infinity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipo {
    /// tau, the regularization strength (TRL's beta).
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// The f-divergence of the score stage (TRL's `f_divergence_type`).
    #[serde(default)]
    pub f_divergence_type: FDivergenceType,
    /// alpha of `alpha_divergence` (TRL's `f_alpha_divergence_coef`).
    #[serde(default = "defaults::f_alpha_divergence_coef")]
    pub f_alpha_divergence_coef: f64,
}

impl Default for Ipo {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
            f_divergence_type: FDivergenceType::default(),
            f_alpha_divergence_coef: defaults::f_alpha_divergence_coef(),
        }
    }
}

impl Ipo {
    /// The score stage.
    pub fn divergence(&self) -> FDivergence {
        FDivergence::new(self.f_divergence_type, self.f_alpha_divergence_coef)
    }
}

#[plugin(
    name = "ipo",
    summary = "Identity preference optimization: squared regression of the margin to 1/(2 beta)",
    paper = "arXiv:2310.12036"
)]
impl PreferenceObjective for Ipo {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (chosen, rejected) = self.divergence().scores(pairs);
        let (chosen, rejected) = per_token(pairs, chosen, rejected);
        let target = 1.0 / (2.0 * self.beta);
        let losses = (chosen - rejected - target).powi_scalar(2);
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
    fn hand_computed_values() {
        // h = 12 / 2 - (-4) / 4 = 7; (7 - 5)^2 = 4.
        let batch = pairs(&[-3.0], &[-9.0], &[-15.0], &[-5.0], &[2.0], &[4.0]);
        assert_close(loss(&Ipo::default(), &batch), 4.0);
        // JS keeps its log 2: s(ln 3) = ln 2 + ln(3/4) = ln 1.5 over 1 token, s(0) = 0 over 2.
        let js = Ipo {
            f_divergence_type: FDivergenceType::JsDivergence,
            ..Ipo::default()
        };
        let batch = pairs(&[3f32.ln()], &[0.0], &[0.0], &[0.0], &[1.0], &[2.0]);
        assert_close(loss(&js, &batch), (1.5f64.ln() - 5.0).powi(2));
    }
}
