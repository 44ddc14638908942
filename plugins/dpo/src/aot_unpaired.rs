//! AOT for unpaired data (`aot_unpaired`).

use crate::{checks, defaults, logistic, scores};
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// Alignment via optimal transport, unpaired (AOT, Melnyk et al. 2024, arXiv:2406.05882): the
/// distribution of chosen log-ratios should dominate that of rejected ones, whatever the pairing,
///
/// `L = mean_i [-(1 - eps) log sigmoid(beta * d_i) - eps log sigmoid(-beta * d_i)]`,
/// `d = sort(u_w) - sort(u_l)`, `u = log pi(y|x) - log pi_ref(y|x)`,
///
/// each sort over the batch separately, eps TRL's `label_smoothing`. Raw log-ratios: TRL refuses
/// f-divergences here. Sorting decouples the terms from the pairs, so per-pair weights are not
/// applied to the loss (the metrics still use them). TRL's `loss_type = "aot_unpaired"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AotUnpaired {
    /// The KL coefficient beta.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// eps: the assumed label-flip rate, in `[0, 0.5)`.
    #[serde(default)]
    pub label_smoothing: f64,
}

impl Default for AotUnpaired {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
            label_smoothing: 0.0,
        }
    }
}

#[plugin(
    name = "aot_unpaired",
    summary = "AOT, unpaired: sorted chosen log-ratios dominate sorted rejected ones",
    paper = "arXiv:2406.05882"
)]
impl PreferenceObjective for AotUnpaired {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let delta = scores::sorted_difference(pairs.chosen_log_ratio(), pairs.rejected_log_ratio());
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
    fn sorts_each_side_separately() {
        // Chosen log-ratios [3, 1], rejected [0, 2]: sorted [1, 3] - [0, 2] = [1, 1]; beta = ln 3.
        let batch = pairs(
            &[3.0, 1.0],
            &[0.0, 2.0],
            &[0.0, 0.0],
            &[0.0, 0.0],
            &[1.0; 2],
            &[1.0; 2],
        );
        let objective = AotUnpaired {
            beta: 3f64.ln(),
            label_smoothing: 0.0,
        };
        assert_close(loss(&objective, &batch), (4f64 / 3.0).ln());
    }
}
