//! The `exact` algorithm: the closed-form optimum of a task through its partition function.

use crate::metrics::{OptimalPolicy, compare};
use prefopt_core::{
    Algorithm, ConfigError, PrefoptError, RunContext, RunReport, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Computes `pi*(y|x) = pi_ref(y|x) exp(r(x,y)/beta) / Z(x)` exactly for a task whose outputs can
/// be enumerated (Rafailov et al. 2023, arXiv:2305.18290, eq. 4), writes it to
/// `optimal_policy.json` in the run directory, and reports its metrics (`kl/optimal` is 0 by
/// construction; `kl/reference`, `reward/true`, `objective/optimal` = `beta * log Z`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exact {
    /// The KL coefficient beta of the RLHF objective.
    #[serde(default = "default_beta")]
    pub beta: f64,
}

fn default_beta() -> f64 {
    0.1
}

impl Default for Exact {
    fn default() -> Self {
        Self {
            beta: default_beta(),
        }
    }
}

#[plugin(
    name = "exact",
    summary = "The RLHF optimum in closed form, pi* = pi_ref exp(r/beta) / Z, for enumerable tasks",
    paper = "arXiv:2305.18290"
)]
impl Algorithm for Exact {
    fn run(&self, ctx: &mut RunContext<'_>) -> Result<RunReport, PrefoptError> {
        let truth = ctx.task.truth().ok_or_else(|| {
            PrefoptError::Incompatible(
                "algorithm `exact` needs a task whose outputs can be enumerated (with a known \
                 reward table), such as `bandit`"
                    .into(),
            )
        })?;
        let optimal = OptimalPolicy::of(truth, self.beta);
        let metrics = compare(truth, &optimal.log_probs, Some(&optimal));
        ctx.sink.log(0, &metrics)?;
        let rows = |table: &[f64], map: fn(f64) -> f64| -> Vec<Vec<f64>> {
            table
                .chunks(truth.outputs)
                .map(|row| row.iter().copied().map(map).collect())
                .collect()
        };
        let artifact = json!({
            "beta": self.beta,
            "contexts": truth.contexts,
            "outputs": truth.outputs,
            "log_partition": optimal.log_partition,
            "log_probs": rows(&optimal.log_probs, |v| v),
            "probs": rows(&optimal.log_probs, f64::exp),
            "reference_probs": rows(&truth.reference_logps, f64::exp),
            "rewards": rows(&truth.rewards, |v| v),
        });
        Ok(RunReport {
            metrics,
            artifacts: vec![("optimal_policy.json".into(), artifact)],
            policy: None,
            steps: 0,
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)
    }

    fn check_task(
        &self,
        task: &dyn prefopt_core::Task,
        _reward: Option<&dyn prefopt_core::RewardConfig>,
        _device: &prefopt_core::burn::tensor::Device,
    ) -> Result<(), PrefoptError> {
        match task.truth() {
            Some(_) => Ok(()),
            None => Err(PrefoptError::Incompatible(
                "algorithm `exact` needs a task whose outputs can be enumerated (with a known \
                 reward table), such as `bandit`"
                    .into(),
            )),
        }
    }
}
