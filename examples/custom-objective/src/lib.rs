//! # An objective written outside the prefopt tree: DPO-Positive
//!
//! The whole plugin is the struct [`Dpop`], its `Default`, and one `impl PreferenceObjective`
//! under the `#[plugin(...)]` attribute, which registers it: a config picks it with
//! `[algorithm.objective] type = "dpop"`, and `prefopt plugins` lists it in any binary that links
//! this crate (`use custom_objective_example as _;`, see `src/bin/prefopt-custom.rs`).
//!
//! The crate depends on `prefopt-core`, `serde` and `typetag` (the attribute expands to
//! `typetag::` paths, so a plugin crate names typetag itself). `tests/conformance.rs` runs
//! prefopt's conformance suite on it; the guide is `docs/guides/write-an-objective.md`.

use prefopt_core::burn::tensor::activation::{log_sigmoid, relu};
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// DPO-Positive (DPOP; Pal et al. 2024, "Smaug: Fixing Failure Modes of Preference Optimisation
/// with DPO-Positive", arXiv:2402.13228, eq. 3):
///
/// `L = -log sigmoid(beta * (m - lambda * max(0, log pi_ref(y_w|x) - log pi(y_w|x))))`,
/// `m = (log pi(y_w|x) - log pi_ref(y_w|x)) - (log pi(y_l|x) - log pi_ref(y_l|x))`.
///
/// DPO only asks the chosen completion to gain on the rejected one, so it can lower the
/// chosen completion's likelihood as long as the rejected one falls faster (the failure mode the
/// paper describes for pairs that differ in few tokens). DPOP adds a penalty, active only while
/// the policy gives the chosen completion less probability than the reference does, that pushes
/// its log-ratio back up to at least 0. With `lambda = 0` it is DPO.
///
/// Its population optimum is not the RLHF optimum `pi_ref exp(r / beta) / Z` (the penalty moves
/// it), so [`beta`](PreferenceObjective::beta) is `None` and runs report no `kl/optimal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dpop {
    /// beta, the scale of the log-ratio margin in the sigmoid (as in DPO); must be > 0.
    /// Default 0.1, TRL's default for DPO.
    #[serde(default = "default_beta")]
    pub beta: f64,
    /// lambda, the weight of the penalty on a chosen completion that lost probability relative
    /// to the reference; must be finite and >= 0. Default 50, the value the paper trains with.
    #[serde(default = "default_lambda")]
    pub lambda: f64,
}

fn default_beta() -> f64 {
    0.1
}

fn default_lambda() -> f64 {
    50.0
}

impl Default for Dpop {
    fn default() -> Self {
        Self {
            beta: default_beta(),
            lambda: default_lambda(),
        }
    }
}

#[plugin(
    name = "dpop",
    summary = "DPO-Positive: DPO minus lambda * max(0, log pi_ref(y_w) - log pi(y_w)) in the sigmoid",
    paper = "arXiv:2402.13228"
)]
impl PreferenceObjective for Dpop {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let chosen = pairs.chosen_log_ratio();
        let rejected = pairs.rejected_log_ratio();
        // max(0, log pi_ref(y_w|x) - log pi(y_w|x)): zero while the chosen completion is at least
        // as likely as under the reference.
        let penalty = relu(-chosen.clone());
        let logits = (chosen - rejected - penalty.clone() * self.lambda) * self.beta;
        // log_sigmoid is computed in log space: finite for any finite logit.
        let losses = -log_sigmoid(logits);
        let mut metrics = pairs.trl_metrics(self.beta);
        metrics.push("dpop/penalty", pairs.mean(penalty.detach()));
        ObjectiveOutput {
            loss: pairs.mean(losses),
            metrics,
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)?;
        if !(self.lambda.is_finite() && self.lambda >= 0.0) {
            return Err(ConfigError::new(
                "lambda",
                format!(
                    "must be a finite number >= 0 (0 gives DPO), got {}",
                    self.lambda
                ),
            ));
        }
        Ok(())
    }
}
