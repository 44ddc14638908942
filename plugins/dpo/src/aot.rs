//! AOT for paired data (`aot`).

use crate::{checks, defaults, logistic, scores};
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// Alignment via optimal transport, paired (AOT, Melnyk et al. 2024, arXiv:2406.05882): the
/// distributional dominance of chosen over rejected, enforced by matching sorted quantiles over
/// the batch,
///
/// `L = mean_i [-(1 - eps) log sigmoid(beta * d_i) - eps log sigmoid(-beta * d_i)]`,
/// `d = sort(log pi(y_w|x) - log pi(y_l|x)) - sort(log pi_ref(y_w|x) - log pi_ref(y_l|x))`,
///
/// with both sorts over the batch (the i-th smallest policy margin against the i-th smallest
/// reference margin) and eps TRL's `label_smoothing` (cDPO's form). Raw log-probs: TRL refuses
/// f-divergences here. Because sorting decouples the terms from the pairs, per-pair weights are
/// not applied to the loss (TRL likewise refuses WPO weighting for `aot`); the metrics still use
/// them. TRL's `loss_type = "aot"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aot {
    /// The KL coefficient beta.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// eps: the assumed label-flip rate, in `[0, 0.5)`.
    #[serde(default)]
    pub label_smoothing: f64,
}

impl Default for Aot {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
            label_smoothing: 0.0,
        }
    }
}

#[plugin(
    name = "aot",
    summary = "AOT, paired: sorted policy margins dominate sorted reference margins",
    paper = "arXiv:2406.05882"
)]
impl PreferenceObjective for Aot {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let policy = pairs.policy_chosen.clone() - pairs.policy_rejected.clone();
        let reference = pairs.reference_chosen.clone() - pairs.reference_rejected.clone();
        let delta = scores::sorted_difference(policy, reference);
        let losses = logistic::smoothed_logistic(delta * self.beta, self.label_smoothing);
        ObjectiveOutput {
            loss: losses.mean(),
            metrics: pairs.trl_metrics(self.beta),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)?;
        checks::flip_rate("label_smoothing", self.label_smoothing)
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
    fn sorts_over_the_batch() {
        // Policy margins [1, 3], reference margins [2, 0]: sorted [1, 3] - [0, 2] = [1, 1]
        // (unsorted they would be [-1, 3]); beta = ln 3 gives ln(4/3) for each.
        let batch = pairs(
            &[0.0, 0.0],
            &[-1.0, -3.0],
            &[0.0, 0.0],
            &[-2.0, 0.0],
            &[1.0; 2],
            &[1.0; 2],
        );
        let objective = Aot {
            beta: 3f64.ln(),
            label_smoothing: 0.0,
        };
        assert_close(loss(&objective, &batch), (4f64 / 3.0).ln());
    }
}
