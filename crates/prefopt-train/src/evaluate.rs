//! Evaluation against the known answer of a task, where there is one.

use prefopt_core::math::log_softmax;
use prefopt_core::{MetricValues, Policy, Task};
use prefopt_partition::{OptimalPolicy, compare};

/// Precomputed truth of an enumerable task at the objective's beta: measures a policy's
/// `kl/optimal`, `kl/reference`, `reward/true` and the RLHF objective (see
/// [`prefopt_partition::compare`]).
#[derive(Debug, Clone)]
pub struct KnownAnswer<'a> {
    task: &'a dyn Task,
    optimal: Option<OptimalPolicy>,
}

impl<'a> KnownAnswer<'a> {
    /// `None` unless the task's outputs can be enumerated; `beta` (the objective's KL
    /// coefficient, when it has one) adds the metrics against pi*.
    pub fn new(task: &'a dyn Task, beta: Option<f64>) -> Option<Self> {
        let truth = task.truth()?;
        Some(Self {
            task,
            optimal: beta.map(|beta| OptimalPolicy::of(truth, beta)),
        })
    }

    /// The metrics of `policy`, or nothing when the policy cannot list its whole table.
    pub fn evaluate(&self, policy: &dyn Policy) -> MetricValues {
        let (Some(truth), Some(table)) = (self.task.truth(), policy.log_prob_table()) else {
            return Vec::new();
        };
        let values: Vec<f64> = table
            .into_data()
            .try_into_vec::<f32>()
            .expect("f32 log-prob table")
            .into_iter()
            .map(f64::from)
            .collect();
        // Renormalize in f64: f32 rows sum to 1 only within ~1e-7, which would let KL near the
        // optimum dip below 0.
        let logps: Vec<f64> = values.chunks(truth.outputs).flat_map(log_softmax).collect();
        compare(truth, &logps, self.optimal.as_ref())
    }
}
