//! ORPO.

use crate::scores::{chosen_nll, policy_logps};
use prefopt_core::burn::tensor::Tensor;
use prefopt_core::burn::tensor::activation::log_sigmoid;
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// The largest per-token average log-prob the odds are taken of: `log(1 - exp(a))` is `-inf` at
/// `a = 0`, so `a` is clamped to at most this (a per-token probability of `1 - 1e-6`).
pub const MAX_AVERAGE_LOGP: f64 = -1e-6;

/// ORPO, monolithic preference optimization without a reference model (Hong et al. 2024,
/// arXiv:2403.07691, eqs. 6–8):
///
/// `L = NLL(y_w) - lambda * log sigmoid(log odds(y_w|x) - log odds(y_l|x))`,
/// `odds(y|x) = P(y|x) / (1 - P(y|x))`, `P(y|x) = exp(log pi(y|x) / |y|)`,
///
/// `NLL(y_w)` the mean negative log-likelihood per chosen token (TRL's `ORPOTrainer`, where
/// lambda is `beta`). Logs `log_odds_ratio` and `log_odds_chosen` as TRL does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Orpo {
    /// lambda, the weight of the odds-ratio term (the paper and TRL use 0.1).
    pub beta: f64,
}

impl Default for Orpo {
    fn default() -> Self {
        Self { beta: 0.1 }
    }
}

/// `log(P / (1 - P))` of per-token average log-probs `a = log P`: `a - log(1 - exp(a))`.
///
/// # Shapes
/// `[batch]` to `[batch]`.
pub fn log_odds(average_logps: Tensor<1>) -> Tensor<1> {
    let a = average_logps.clamp_max(MAX_AVERAGE_LOGP);
    a.clone() - a.exp().neg().log1p()
}

#[plugin(
    name = "orpo",
    summary = "ORPO: chosen NLL plus a log-sigmoid odds-ratio penalty, no reference model",
    paper = "arXiv:2403.07691"
)]
impl PreferenceObjective for Orpo {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (chosen, rejected) = policy_logps(pairs, true);
        let log_odds_chosen = log_odds(chosen.clone()) - log_odds(rejected.clone());
        let ratio = log_sigmoid(log_odds_chosen.clone());
        let nll = chosen_nll(pairs);
        let mut metrics = pairs.reward_metrics(chosen * self.beta, rejected * self.beta);
        metrics.push("nll_loss", nll.clone());
        metrics.push("log_odds_ratio", pairs.mean(ratio.clone()));
        metrics.push("log_odds_chosen", pairs.mean(log_odds_chosen));
        ObjectiveOutput {
            loss: nll - pairs.mean(ratio) * self.beta,
            metrics,
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)
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
        // P(y_w) = 1/2 per token (odds 1), P(y_l) = 1/4 (odds 1/3): log odds ratio ln 3;
        // NLL per chosen token ln 2.
        let half = 0.5f64.ln() as f32;
        let quarter = 0.25f64.ln() as f32;
        let batch = pairs(&[2.0 * half], &[3.0 * quarter], &[2.0], &[3.0]);
        let ratio = -(1.0 + 1.0 / 3.0f64).ln(); // log sigmoid(ln 3) = ln(3/4)
        let expected = 2f64.ln() - 0.1 * ratio;
        assert!((loss(&Orpo::default(), &batch) - expected).abs() < 1e-5);
        assert!((metric(&Orpo::default(), &batch, "log_odds_chosen") - 3f64.ln()).abs() < 1e-5);
    }

    #[test]
    fn certain_completions_stay_finite() {
        let batch = pairs(&[0.0], &[0.0], &[1.0], &[1.0]);
        assert!(loss(&Orpo::default(), &batch).is_finite());
    }
}
