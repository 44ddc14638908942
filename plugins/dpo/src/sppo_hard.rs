//! SPPO with hard labels (`sppo_hard`).

use crate::defaults;
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// Self-play preference optimization with hard win probabilities (SPPO, Wu et al. 2024,
/// arXiv:2405.00675, eq. 4.7 of Algorithm 1 with `P(y_w wins) = 1`, `P(y_l wins) = 0`):
///
/// `L = (u_w - 1 / (2 beta))^2 + (u_l + 1 / (2 beta))^2`,
///
/// `u = log pi(y|x) - log pi_ref(y|x)` (raw log-ratios: TRL refuses f-divergences here). Each
/// log-ratio is regressed to its own target, `+1/(2 beta)` for the winner and `-1/(2 beta)` for
/// the loser, so both likelihoods stay anchored. TRL's `loss_type = "sppo_hard"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SppoHard {
    /// beta: the targets are `±1 / (2 beta)`.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
}

impl Default for SppoHard {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
        }
    }
}

#[plugin(
    name = "sppo_hard",
    summary = "SPPO, hard labels: each log-ratio regressed to ±1/(2 beta)",
    paper = "arXiv:2405.00675"
)]
impl PreferenceObjective for SppoHard {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let target = 0.5 / self.beta;
        let winner = (pairs.chosen_log_ratio() - target).powi_scalar(2);
        let loser = (pairs.rejected_log_ratio() + target).powi_scalar(2);
        ObjectiveOutput {
            loss: pairs.mean(winner + loser),
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
        // u_w = 3, u_l = -1, beta = 0.1: (3 - 5)^2 + (-1 + 5)^2 = 20.
        assert_close(loss(&SppoHard::default(), &one_pair(3.0, -1.0)), 20.0);
    }
}
