//! CPO.

use crate::scores::{chosen_nll, policy_logps};
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use prefopt_dpo::checks;
use prefopt_dpo::logistic::smoothed_logistic;
use serde::{Deserialize, Serialize};

/// CPO, contrastive preference optimization (Xu et al. 2024, arXiv:2401.08417, eq. 5): DPO's
/// loss with the reference dropped, plus a behaviour-cloning term on the chosen completions,
///
/// `L = -log sigmoid(beta * (log pi(y_w|x) - log pi(y_l|x))) + alpha * NLL(y_w)`,
///
/// `NLL(y_w)` the mean negative log-likelihood per chosen token (TRL's `CPOTrainer`,
/// `loss_type = "sigmoid"`, `cpo_alpha`), with optional label smoothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cpo {
    /// beta, the scale of the log-prob margin.
    pub beta: f64,
    /// Weight of the NLL term.
    pub alpha: f64,
    /// Label smoothing eps in `[0, 0.5)`.
    pub label_smoothing: f64,
}

impl Default for Cpo {
    fn default() -> Self {
        Self {
            beta: 0.1,
            alpha: 1.0,
            label_smoothing: 0.0,
        }
    }
}

#[plugin(
    name = "cpo",
    summary = "CPO: reference-free logistic loss on the log-prob margin plus the chosen NLL",
    paper = "arXiv:2401.08417"
)]
impl PreferenceObjective for Cpo {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (chosen, rejected) = policy_logps(pairs, false);
        let logits = (chosen.clone() - rejected.clone()) * self.beta;
        let preference = pairs.mean(smoothed_logistic(logits, self.label_smoothing));
        let nll = chosen_nll(pairs);
        let mut metrics = pairs.reward_metrics(chosen * self.beta, rejected * self.beta);
        metrics.push("nll_loss", nll.clone());
        ObjectiveOutput {
            loss: preference + nll * self.alpha,
            metrics,
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)?;
        checks::non_negative("alpha", self.alpha)?;
        checks::flip_rate("label_smoothing", self.label_smoothing)
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
        // Margin log pi(y_w) - log pi(y_l) = -2 - (-12) = 10, beta 0.1: -log sigmoid(1);
        // NLL per chosen token = 2 / 4 = 0.5.
        let batch = pairs(&[-2.0], &[-12.0], &[4.0], &[3.0]);
        let expected = (1.0 + (-1f64).exp()).ln() + 0.5;
        assert!((loss(&Cpo::default(), &batch) - expected).abs() < 1e-6);
        assert!((metric(&Cpo::default(), &batch, "nll_loss") - 0.5).abs() < 1e-6);
        assert!((metric(&Cpo::default(), &batch, "rewards/margins") - 1.0).abs() < 1e-6);
    }
}
