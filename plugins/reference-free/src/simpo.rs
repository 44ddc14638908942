//! SimPO.

use crate::scores::{chosen_nll, policy_logps};
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use prefopt_dpo::checks;
use prefopt_dpo::logistic::smoothed_logistic;
use serde::{Deserialize, Serialize};

/// SimPO, simple preference optimization with a reference-free reward (Meng et al. 2024,
/// arXiv:2405.14734, eq. 6):
///
/// `L = -log sigmoid(beta / |y_w| log pi(y_w|x) - beta / |y_l| log pi(y_l|x) - gamma)`,
///
/// with optional label smoothing and TRL's `cpo_alpha` NLL term (`CPOTrainer`,
/// `loss_type = "simpo"`): `+ alpha * NLL(y_w)`. `alpha = 0` is the paper's SimPO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Simpo {
    /// beta, the reward scale (the paper uses 2.0 to 2.5).
    pub beta: f64,
    /// gamma, the target reward margin (the paper suggests gamma / beta around 0.5).
    pub gamma: f64,
    /// Label smoothing eps in `[0, 0.5)`.
    pub label_smoothing: f64,
    /// Weight of the chosen completions' NLL (0: pure SimPO).
    pub alpha: f64,
}

impl Default for Simpo {
    fn default() -> Self {
        Self {
            beta: 2.0,
            gamma: 1.0,
            label_smoothing: 0.0,
            alpha: 0.0,
        }
    }
}

#[plugin(
    name = "simpo",
    summary = "SimPO: length-normalized, reference-free logistic loss with a target margin gamma",
    paper = "arXiv:2405.14734"
)]
impl PreferenceObjective for Simpo {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (chosen, rejected) = policy_logps(pairs, true);
        let logits = (chosen.clone() - rejected.clone()) * self.beta - self.gamma;
        let mut loss = pairs.mean(smoothed_logistic(logits, self.label_smoothing));
        let mut metrics = pairs.reward_metrics(chosen * self.beta, rejected * self.beta);
        if self.alpha > 0.0 {
            let nll = chosen_nll(pairs);
            metrics.push("nll_loss", nll.clone());
            loss = loss + nll * self.alpha;
        }
        ObjectiveOutput { loss, metrics }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)?;
        checks::finite("gamma", self.gamma)?;
        checks::flip_rate("label_smoothing", self.label_smoothing)?;
        checks::non_negative("alpha", self.alpha)
    }

    fn needs_reference(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{loss, metric, pairs};

    #[test]
    fn by_hand() {
        // Per-token log-probs -1 (chosen, 4 tokens) and -2 (rejected, 2 tokens): beta * (1) - gamma
        // = 2 - 1 = 1, loss = -log sigmoid(1) = ln(1 + e^-1).
        let batch = pairs(&[-4.0], &[-4.0], &[4.0], &[2.0]);
        let expected = (1.0 + (-1f64).exp()).ln();
        assert!((loss(&Simpo::default(), &batch) - expected).abs() < 1e-6);
        assert!((metric(&Simpo::default(), &batch, "rewards/chosen") + 2.0).abs() < 1e-6);
        // With alpha = 1 the NLL per chosen token (1.0) is added.
        let with_nll = Simpo {
            alpha: 1.0,
            ..Simpo::default()
        };
        assert!((loss(&with_nll, &batch) - expected - 1.0).abs() < 1e-6);
    }

    #[test]
    fn rejects_bad_knobs() {
        let error = Simpo {
            label_smoothing: 0.5,
            ..Simpo::default()
        }
        .validate()
        .unwrap_err();
        assert_eq!(error.field, "label_smoothing");
        assert_eq!(
            Simpo {
                beta: 0.0,
                ..Simpo::default()
            }
            .validate()
            .unwrap_err()
            .field,
            "beta"
        );
    }
}
