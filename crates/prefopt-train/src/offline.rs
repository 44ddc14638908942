//! The `offline` algorithm: preference training on a fixed data set with any registered
//! objective.

use crate::evaluate::KnownAnswer;
use crate::optimizer::adam;
use crate::pairs::{NoReference, objective_output};
use prefopt_core::{
    Algorithm, ConfigError, MetricValues, ObjectiveOutput, PluginKind, PreferenceObjective,
    PrefoptError, RunContext, RunReport, plugin, registry,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use std::time::Instant;
use tracing::{debug, info, info_span};

/// Offline preference optimization (`[algorithm] type = "offline"`): minimizes
/// `[algorithm.objective]` over the task's preference pairs with Adam, the policy starting at
/// the reference (Rafailov et al. 2023, arXiv:2305.18290, §4; TRL's `DPOTrainer`).
///
/// Logs the objective's metrics every `train.log_every` steps and, on tasks whose outputs can be
/// enumerated, `kl/optimal`, `kl/reference`, `reward/true` every `train.eval_every` steps.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offline {
    /// The preference objective.
    pub objective: Box<dyn PreferenceObjective>,
}

impl Default for Offline {
    /// Offline training with `dpo` (or, when prefopt-dpo is not linked, the first registered
    /// objective) at its defaults: the example config of `prefopt plugins`.
    fn default() -> Self {
        let name = registry::find(PluginKind::Objective, "dpo")
            .or_else(|| {
                registry::plugins_of(PluginKind::Objective)
                    .into_iter()
                    .next()
            })
            .map_or("dpo", |info| info.name);
        let objective = serde_json::from_value(serde_json::json!({ "type": name }))
            .expect("objective plugins have defaults for every field");
        Self { objective }
    }
}

#[plugin(
    name = "offline",
    summary = "Offline preference training of the policy with any registered objective (Adam)",
    paper = "arXiv:2305.18290"
)]
impl Algorithm for Offline {
    fn run(&self, ctx: &mut RunContext<'_>) -> Result<RunReport, PrefoptError> {
        let span = info_span!("offline", steps = ctx.train.steps);
        let _guard = span.enter();
        let device = ctx.device.clone().autodiff();
        let mut policy = ctx.policy.build(ctx.task, &device)?;
        let reference = if self.objective.needs_reference() {
            policy.freeze()
        } else {
            Box::new(NoReference)
        };
        let mut optimizer = adam(ctx.train);
        let mut rng = StdRng::seed_from_u64(ctx.seed);
        let known = KnownAnswer::new(ctx.task, self.objective.beta());
        info!(params = policy.num_params(), "training");
        let started = Instant::now();
        let train = ctx.train;
        let step_metrics =
            |step: usize, output: &ObjectiveOutput| -> Result<MetricValues, PrefoptError> {
                let loss = f64::from(output.loss.clone().into_scalar::<f32>());
                if !loss.is_finite() {
                    return Err(PrefoptError::Numerical(format!(
                        "loss is {loss} at step {step}"
                    )));
                }
                let mut values = vec![("loss".to_string(), loss)];
                values.extend(output.metrics.values());
                Ok(values)
            };
        for done in 0..train.steps {
            let batch = ctx.task.training_batch(&mut rng, train.batch_size, &device);
            let output = objective_output(&*self.objective, &*policy, &*reference, &batch)?;
            let evaluate = done % train.eval_every == 0;
            if done % train.log_every == 0 || evaluate {
                let mut values = step_metrics(done, &output)?;
                if let Some(known) = known.as_ref().filter(|_| evaluate) {
                    values.extend(known.evaluate(&*policy));
                }
                values.push(("wall_seconds".into(), started.elapsed().as_secs_f64()));
                debug!(step = done, ?values, "step");
                ctx.sink.log(done, &values)?;
            }
            let grads = output.loss.backward();
            policy.apply_gradients(&mut optimizer, train.lr, grads);
            let step = done + 1;
            if let (Some(every), Some(dir)) = (train.checkpoint_every, &ctx.out_dir)
                && step % every == 0
            {
                policy.save(&dir.join("checkpoints").join(format!("step-{step:07}.json")))?;
            }
            ctx.sink.progress(step, train.steps);
        }
        // The final state: loss and metrics at the trained parameters.
        let batch = ctx.task.training_batch(&mut rng, train.batch_size, &device);
        let output = objective_output(&*self.objective, &*policy, &*reference, &batch)?;
        let mut metrics = step_metrics(train.steps, &output)?;
        if let Some(known) = &known {
            metrics.extend(known.evaluate(&*policy));
        }
        ctx.sink.log(train.steps, &metrics)?;
        info!(seconds = started.elapsed().as_secs_f64(), "trained");
        Ok(RunReport {
            metrics,
            artifacts: Vec::new(),
            policy: Some(policy),
            steps: train.steps,
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.objective
            .validate()
            .map_err(|e| ConfigError::new(format!("objective.{}", e.field), e.message))
    }
}
