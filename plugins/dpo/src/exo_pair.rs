//! EXO's pairwise loss (`exo_pair`).

use crate::divergence::{FDivergence, FDivergenceType};
use crate::{defaults, logistic};
use prefopt_core::burn::tensor::activation::log_sigmoid;
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// EXO-pref, the pairwise efficient exact optimization (Ji et al. 2024, arXiv:2402.00856, eq. 16):
/// the reverse KL from the model's preference distribution to the label-smoothed one,
///
/// `L = q_w (log q_w - log(1 - eps)) + q_l (log q_l - log eps)`,
/// `q_w = sigmoid(beta * d)`, `q_l = sigmoid(-beta * d)`, `d = s(u_w) - s(u_l)`,
///
/// `u = log pi(y|x) - log pi_ref(y|x)`, `s` the [`FDivergence`] score. Minimizing the reverse KL
/// makes it mode-seeking where DPO's forward KL is mean-seeking. TRL's `loss_type = "exo_pair"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExoPair {
    /// The KL coefficient beta.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// eps: the smoothed target probability of the rejected completion, in `(0, 0.5)` (the paper
    /// recommends 1e-3; at 0 the loss is infinite).
    #[serde(default = "defaults::exo_label_smoothing")]
    pub label_smoothing: f64,
    /// The f-divergence of the score stage (TRL's `f_divergence_type`).
    #[serde(default)]
    pub f_divergence_type: FDivergenceType,
    /// alpha of `alpha_divergence` (TRL's `f_alpha_divergence_coef`).
    #[serde(default = "defaults::f_alpha_divergence_coef")]
    pub f_alpha_divergence_coef: f64,
}

impl Default for ExoPair {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
            label_smoothing: defaults::exo_label_smoothing(),
            f_divergence_type: FDivergenceType::default(),
            f_alpha_divergence_coef: defaults::f_alpha_divergence_coef(),
        }
    }
}

impl ExoPair {
    /// The score stage.
    pub fn divergence(&self) -> FDivergence {
        FDivergence::new(self.f_divergence_type, self.f_alpha_divergence_coef)
    }
}

#[plugin(
    name = "exo_pair",
    summary = "EXO: reverse KL from the model's pair preference to the label-smoothed target",
    paper = "arXiv:2402.00856"
)]
impl PreferenceObjective for ExoPair {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (chosen, rejected) = self.divergence().scores(pairs);
        let logits = (chosen - rejected) * self.beta;
        let eps = self.label_smoothing;
        let log_q_w = log_sigmoid(logits.clone());
        let log_q_l = log_sigmoid(-logits.clone());
        let q_w = logistic::sigmoid(logits.clone());
        let q_l = logistic::sigmoid(-logits);
        let losses = q_w * (log_q_w - (-eps).ln_1p()) + q_l * (log_q_l - eps.ln());
        ObjectiveOutput {
            loss: pairs.mean(losses),
            metrics: pairs.trl_metrics(self.beta),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)?;
        if !(self.label_smoothing > 0.0 && self.label_smoothing < 0.5) {
            return Err(ConfigError::new(
                "label_smoothing",
                format!(
                    "must be in (0, 0.5) for exo_pair (epsilon, the target probability of the \
                     rejected completion; the paper recommends 1e-3), got {}",
                    self.label_smoothing
                ),
            ));
        }
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
        // beta * margin = ln 3: q_w = 3/4, q_l = 1/4.
        let pairs = one_pair(5.0 * 3f32.ln(), -5.0 * 3f32.ln());
        let eps = 1e-3f64;
        let expected = 0.75 * (0.75f64.ln() - (1.0 - eps).ln()) + 0.25 * (0.25f64.ln() - eps.ln());
        assert_close(loss(&ExoPair::default(), &pairs), expected);
    }

    #[test]
    fn zero_epsilon_is_refused() {
        let bad = ExoPair {
            label_smoothing: 0.0,
            ..ExoPair::default()
        };
        let error = bad.validate().unwrap_err();
        assert_eq!(error.field, "label_smoothing");
        assert!(error.message.contains("1e-3"), "{error}");
    }
}
