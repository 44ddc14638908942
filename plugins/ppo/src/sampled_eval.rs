//! Measuring a language-model policy on a prompt task by sampling: the true reward of its
//! completions and its KL to the reference, estimated from a fixed set of draws.

use crate::rollout::host_values;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{
    MetricValues, Policy, PrefoptError, ReferenceModel, RewardModel, SamplingOptions, SequenceBatch,
};
use prefopt_train::offline::batch_rng;

/// The least number of completions an evaluation draws (each prompt at least once).
pub const EVAL_COMPLETIONS: usize = 64;

/// Mixed into the run's seed for the evaluation's draws, which are the same at every evaluation
/// (common random numbers: two evaluations differ by the policy, not by the draws).
const EVAL_STREAM: u64 = 0x4556_414c_5f44_5241;

/// Sampled estimates, for tasks with prompts but no enumerable outputs, of what
/// [`KnownAnswer`](prefopt_train::evaluate::KnownAnswer) computes exactly on tabular tasks.
#[derive(Debug)]
pub struct SampledAnswer<'t> {
    prompts: Vec<Vec<u32>>,
    reward: Option<&'t dyn RewardModel>,
    seed: u64,
}

impl<'t> SampledAnswer<'t> {
    /// Every prompt repeated until at least [`EVAL_COMPLETIONS`] completions, scored by the
    /// task's true reward when it has one.
    pub fn new(prompts: &[Vec<u32>], reward: Option<&'t dyn RewardModel>, seed: u64) -> Self {
        let repeats = EVAL_COMPLETIONS.div_ceil(prompts.len().max(1));
        Self {
            prompts: prompts
                .iter()
                .flat_map(|prompt| std::iter::repeat_n(prompt.clone(), repeats))
                .collect(),
            reward,
            seed: seed ^ EVAL_STREAM,
        }
    }

    /// `reward/true` (the mean true reward of the completions, when the task knows it) and
    /// `kl/reference` (the mean of `sum_t log pi(y_t) - log pi_ref(y_t)` over the completions: the
    /// unbiased estimate of `KL(pi || pi_ref)` per completion), from completions of `policy`
    /// sampled with `options`.
    pub fn evaluate(
        &self,
        policy: &dyn Policy,
        reference: &dyn ReferenceModel,
        options: &SamplingOptions,
        pad: u32,
        device: &Device,
    ) -> Result<MetricValues, PrefoptError> {
        let mut rng = batch_rng(self.seed, 0);
        let completions: Vec<Vec<u32>> = policy
            .generate(&self.prompts, options, &mut rng)?
            .into_iter()
            .map(|generation| generation.tokens)
            .collect();
        let batch = SequenceBatch::from_ids(&self.prompts, &completions, pad, device)?;
        // Read only: from the policy's snapshot without autodiff, so no graph is kept.
        let logps = host_values(match policy.snapshot() {
            Some(snapshot) => snapshot.sequence_logps(&batch),
            None => policy.sequence_logps(&batch).detach(),
        });
        let ref_logps = host_values(reference.sequence_logps(&batch));
        let count = logps.len() as f64;
        let kl = logps
            .iter()
            .zip(&ref_logps)
            .map(|(logp, reference)| logp - reference)
            .sum::<f64>()
            / count;
        let mut metrics = Vec::new();
        if let Some(reward) = self.reward {
            let scores = host_values(reward.score(&batch));
            metrics.push(("reward/true".into(), scores.iter().sum::<f64>() / count));
        }
        metrics.push(("kl/reference".into(), kl));
        if let Some((name, value)) = metrics.iter().find(|(_, value)| !value.is_finite()) {
            return Err(PrefoptError::Numerical(format!(
                "evaluation: {name} is {value} over {count} sampled completions"
            )));
        }
        Ok(metrics)
    }
}
