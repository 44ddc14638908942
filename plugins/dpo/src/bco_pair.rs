//! BCO's pairwise loss (`bco_pair`).

use crate::defaults;
use prefopt_core::burn::tensor::Tensor;
use prefopt_core::burn::tensor::activation::log_sigmoid;
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// Where BCO's classifier puts its decision boundary, `delta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RewardShift {
    /// `delta = 0`: TRL's `bco_pair` since its DPO refactor (TRL 1.x, the shared test vectors).
    #[default]
    None,
    /// `delta` = the batch mean of the `2 * batch` rewards `beta * u_w`, `beta * u_l`, detached:
    /// the paper's reward shift with this batch as its running mean (what earlier TRL versions'
    /// running mean is on a first batch). Stateless, so the same batch gives the same loss.
    BatchMean,
}

/// Binary classifier optimization on pairs (BCO, Jung et al. 2024, arXiv:2404.04656): a logistic
/// classifier of chosen against rejected completions with the implicit reward as its logit,
///
/// `L = -log sigmoid(beta * u_w - delta) - log sigmoid(-(beta * u_l - delta))`,
///
/// `u = log pi(y|x) - log pi_ref(y|x)` (raw log-ratios: TRL refuses f-divergences here) and
/// `delta` the reward shift ([`RewardShift`]; 0 by default, as TRL 1.x). The paper shifts by a
/// running mean of the rewards kept across steps; prefopt keeps no state between batches, so the
/// loss of a batch is deterministic. TRL's `loss_type = "bco_pair"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BcoPair {
    /// The KL coefficient beta.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// The classifier's shift delta: `none` (TRL) or `batch_mean`.
    #[serde(default)]
    pub reward_shift: RewardShift,
}

impl Default for BcoPair {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
            reward_shift: RewardShift::None,
        }
    }
}

#[plugin(
    name = "bco_pair",
    summary = "Binary classifier optimization: chosen vs rejected by the implicit reward",
    paper = "arXiv:2404.04656"
)]
impl PreferenceObjective for BcoPair {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let mut chosen = pairs.chosen_log_ratio() * self.beta;
        let mut rejected = pairs.rejected_log_ratio() * self.beta;
        if self.reward_shift == RewardShift::BatchMean {
            let rewards = Tensor::cat(vec![chosen.clone(), rejected.clone()], 0);
            let delta = rewards.detach().mean();
            chosen = chosen - delta.clone();
            rejected = rejected - delta;
        }
        let losses = -log_sigmoid(chosen) - log_sigmoid(-rejected);
        ObjectiveOutput {
            loss: pairs.mean(losses),
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
    fn hand_computed_values() {
        // beta u_w = 2 ln 3, beta u_l = 0: -log sigmoid(2 ln 3) - log sigmoid(0) = ln(10/9) + ln 2.
        let pairs = one_pair(20.0 * 3f32.ln(), 0.0);
        assert_close(
            loss(&BcoPair::default(), &pairs),
            (10f64 / 9.0).ln() + 2f64.ln(),
        );
        // Shifted by the batch mean ln 3: rewards ln 3 and -ln 3, 2 ln(4/3).
        let shifted = BcoPair {
            reward_shift: RewardShift::BatchMean,
            ..BcoPair::default()
        };
        assert_close(loss(&shifted, &pairs), 2.0 * (4f64 / 3.0).ln());
    }
}
