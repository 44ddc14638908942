//! The objective on a held-out split: TRL's evaluation metrics, `eval_loss`,
//! `eval_rewards/accuracies`, `eval_rewards/margins`, ... (transformers prefixes every metric of
//! an evaluation with `eval_`).

use crate::pairs::{Scored, task_batch_output};
use prefopt_core::burn::tensor::Device;
use prefopt_core::{
    MetricValues, ObjectiveOutput, Policy, PreferenceObjective, PrefoptError, ReferenceModel,
    Split, Task,
};

/// Means of metrics over batches, each batch weighted by its number of examples: the mean over
/// all examples of any per-example mean the metrics are.
#[derive(Debug, Clone, Default)]
pub struct MetricMeans {
    sums: Vec<(String, f64)>,
    weight: f64,
}

impl MetricMeans {
    /// Adds the loss (as `loss`) and metrics of a batch of `examples` examples.
    ///
    /// # Errors
    /// [`PrefoptError::Numerical`] when the loss is not finite.
    pub fn add(&mut self, output: &ObjectiveOutput, examples: usize) -> Result<(), PrefoptError> {
        let loss = f64::from(output.loss.clone().into_scalar::<f32>());
        if !loss.is_finite() {
            return Err(PrefoptError::Numerical(format!(
                "loss is {loss} on a batch of {examples} examples"
            )));
        }
        let weight = examples as f64;
        let values = std::iter::once(("loss".to_string(), loss)).chain(output.metrics.values());
        for (name, value) in values {
            match self.sums.iter_mut().find(|(existing, _)| *existing == name) {
                Some(entry) => entry.1 += weight * value,
                None => self.sums.push((name, weight * value)),
            }
        }
        self.weight += weight;
        Ok(())
    }

    /// The means, `loss` first, each name prefixed with `prefix`.
    pub fn means(&self, prefix: &str) -> MetricValues {
        let weight = self.weight.max(f64::MIN_POSITIVE);
        self.sums
            .iter()
            .map(|(name, sum)| (format!("{prefix}{name}"), sum / weight))
            .collect()
    }

    /// Whether nothing was added.
    pub fn is_empty(&self) -> bool {
        self.sums.is_empty()
    }
}

/// The objective on every example of the task's `Eval` split, in batches of `batch_size`, the
/// policy's outputs read without any backward pass or update (from its snapshot without
/// autodiff, [`Policy::snapshot`], when it has one); `None` when the task has no
/// held-out examples. Metrics are means over examples, named `eval_loss`, `eval_<metric>`.
pub fn evaluate_split(
    objective: &dyn PreferenceObjective,
    policy: &dyn Policy,
    reference: &dyn ReferenceModel,
    task: &dyn Task,
    batch_size: usize,
    device: &Device,
) -> Result<Option<MetricValues>, PrefoptError> {
    let examples = match task.examples(Split::Eval) {
        Some(examples) if examples > 0 => examples,
        _ => return Ok(None),
    };
    let mut means = MetricMeans::default();
    let indices: Vec<usize> = (0..examples).collect();
    let snapshot = policy.snapshot();
    let scored = match &snapshot {
        Some(snapshot) => Scored::Snapshot(&**snapshot),
        None => Scored::Policy(policy),
    };
    for chunk in indices.chunks(batch_size.max(1)) {
        let batch = task.batch_at(Split::Eval, chunk, device)?;
        let output = task_batch_output(objective, scored, reference, &batch)?;
        means.add(&output, chunk.len())?;
    }
    Ok(Some(means.means("eval_")))
}
