//! Measuring a language-model policy on a prompt task by sampling: the true reward of its
//! completions, and its KL to the reference and to the optimum pi*, estimated from fixed sets of
//! draws with standard errors ([`prefopt_partition::sampled_kl`]).

use crate::offline::batch_rng;
use prefopt_core::burn::tensor::{Device, Tensor};
use prefopt_core::{
    MetricValues, Policy, PrefoptError, ReferenceModel, RewardModel, SamplingOptions,
    SequenceBatch, TrainConfig,
};
use prefopt_partition::monte_carlo::mean_of_group_means;
use prefopt_partition::{
    Estimate, LogPartitionEstimate, PolicySample, kl_to_optimal, kl_to_reference,
    log_partition_estimate,
};
use rand::rngs::StdRng;

/// Mixed into the run's seed for the evaluation's draws of the policy, which are the same at
/// every evaluation (common random numbers: two evaluations differ by the policy, not by the
/// draws).
const EVAL_STREAM: u64 = 0x4556_414c_5f44_5241;

/// Mixed into the run's seed for the reference samples of `log Z(x)`.
const REFERENCE_STREAM: u64 = 0x5245_465f_5341_4d50;

/// Rows generated or scored per call: bounds the memory of a forward pass and a KV cache.
const CHUNK: usize = 64;

/// How many completions a sampled evaluation draws (`[train] eval_completions`,
/// `eval_reference_samples`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampledEvalSize {
    /// Policy completions per evaluation, at least one per prompt.
    pub completions: usize,
    /// Reference completions per prompt for `log Z(x)`.
    pub reference_samples: usize,
}

impl SampledEvalSize {
    /// The sizes `train` asks for.
    pub fn of(train: &TrainConfig) -> Self {
        Self {
            completions: train.eval_completions,
            reference_samples: train.eval_reference_samples,
        }
    }
}

/// The generation settings of a language-model policy: `configured` (or the defaults), stopping
/// at the tokenizer's EOS when they name no stop token.
pub fn sampling_options(
    configured: Option<&SamplingOptions>,
    policy: &dyn Policy,
) -> SamplingOptions {
    let mut options = configured.cloned().unwrap_or_default();
    if options.stop_token_ids.is_empty()
        && let Some(tokenizer) = policy.tokenizer()
    {
        options.stop_token_ids = tokenizer.eos_token_ids();
    }
    options
}

/// Refuses sampling settings whose draws are not from the policy itself (a temperature other
/// than 1, `top_k`, `top_p`): the Monte-Carlo estimates weigh each draw by the policy's own
/// log-probabilities, so they need `y ~ pi`.
pub fn check_unbiased_sampling(options: &SamplingOptions) -> Result<(), PrefoptError> {
    if options.temperature != 1.0 || options.top_k.is_some() || options.top_p.is_some() {
        return Err(PrefoptError::Incompatible(format!(
            "sampled evaluation needs completions drawn from the policy itself: temperature 1, \
             no top_k, no top_p (got temperature {}, top_k {:?}, top_p {:?})",
            options.temperature, options.top_k, options.top_p
        )));
    }
    Ok(())
}

/// Sampled estimates, for prompt tasks whose outputs cannot be enumerated, of what
/// [`KnownAnswer`](crate::evaluate::KnownAnswer) computes exactly on tabular tasks.
///
/// Built at the start of a run from the policy at step 0, which is pi_ref in every run (the
/// reference is the initial policy, frozen before any checkpoint is loaded): it draws
/// `reference_samples` completions per prompt from it once, scores them with the task's true
/// reward and keeps the estimates of `log Z(x) = log E_{y~pi_ref}[exp(r(x,y)/beta)]`
/// ([`log_partition_estimate`], the first-order Jensen bias removed). Each evaluation then
/// draws the same number of completions of every prompt from the policy with the same seed.
#[derive(Debug)]
pub struct SampledAnswer<'t> {
    /// Each prompt repeated, and the index of the distinct prompt of each row.
    prompts: Vec<Vec<u32>>,
    prompt_of: Vec<usize>,
    reward: Option<&'t dyn RewardModel>,
    /// beta and `log Z(x)` per distinct prompt, where the run has a beta and a true reward.
    log_partitions: Option<(f64, Vec<LogPartitionEstimate>)>,
    options: SamplingOptions,
    pad: u32,
    seed: u64,
}

impl<'t> SampledAnswer<'t> {
    /// Every prompt repeated until at least `size.completions` completions, scored by the
    /// task's true `reward` when it has one; with a true reward and a `beta`, `size.
    /// reference_samples` completions per prompt drawn from `initial_policy` (pi_ref) for
    /// `log Z(x)`. Completions are sampled with `options` (temperature 1, no truncation).
    ///
    /// # Errors
    /// Biased sampling settings ([`check_unbiased_sampling`]), no prompt, or a failure to
    /// generate or score the reference samples.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        prompts: &[Vec<u32>],
        reward: Option<&'t dyn RewardModel>,
        beta: Option<f64>,
        size: SampledEvalSize,
        initial_policy: &dyn Policy,
        options: &SamplingOptions,
        device: &Device,
        seed: u64,
    ) -> Result<Self, PrefoptError> {
        check_unbiased_sampling(options)?;
        if prompts.is_empty() {
            return Err(PrefoptError::Incompatible(
                "sampled evaluation: the task gives no prompt".into(),
            ));
        }
        let pad = initial_policy
            .tokenizer()
            .and_then(|tokenizer| tokenizer.pad_token_id())
            .unwrap_or(0);
        let repeats = size.completions.div_ceil(prompts.len()).max(1);
        let (rows, prompt_of) = repeated(prompts, repeats);
        let mut answer = Self {
            prompts: rows,
            prompt_of,
            reward,
            log_partitions: None,
            options: options.clone(),
            pad,
            seed: seed ^ EVAL_STREAM,
        };
        if let (Some(reward), Some(beta)) = (reward, beta) {
            let (rows, prompt_of) = repeated(prompts, size.reference_samples.max(1));
            let mut rng = batch_rng(seed ^ REFERENCE_STREAM, 0);
            let completions = answer.generate(initial_policy, &rows, &mut rng)?;
            let mut rewards = vec![Vec::new(); prompts.len()];
            for (start, chunk) in (0..rows.len()).step_by(CHUNK).zip(rows.chunks(CHUNK)) {
                let batch = SequenceBatch::from_ids(
                    chunk,
                    &completions[start..start + chunk.len()],
                    pad,
                    device,
                )?;
                for (offset, score) in host(reward.score(&batch)).into_iter().enumerate() {
                    rewards[prompt_of[start + offset]].push(score);
                }
            }
            let log_partitions = rewards
                .iter()
                .map(|rewards| log_partition_estimate(rewards, beta))
                .collect::<Result<_, _>>()?;
            answer.log_partitions = Some((beta, log_partitions));
        }
        Ok(answer)
    }

    /// `log Z(x)` per distinct prompt, where the evaluation estimates `kl/optimal`.
    pub fn log_partitions(&self) -> Option<&[LogPartitionEstimate]> {
        self.log_partitions.as_ref().map(|(_, values)| &values[..])
    }

    /// From completions of `policy` (the same draws at every call):
    ///
    /// * `reward/true`, `reward/true_se` — the mean true reward (every prompt weighted
    ///   equally) and its standard error, where the task knows it;
    /// * `kl/reference`, `kl/reference_se` — the mean over prompts of the mean of
    ///   `log pi(y|x) - log pi_ref(y|x)` (summed over tokens; the unbiased estimate of
    ///   `KL(pi || pi_ref)`) and its standard error;
    /// * with a beta and a true reward, `kl/optimal`, `kl/optimal_se` — `KL(pi || pi*)` =
    ///   `E_x[E_pi[log pi - log pi_ref - r/beta] + log Z(x)]` and its standard error (policy and
    ///   reference errors added in variance), and `log_z`, `log_z_se` — the mean over prompts
    ///   of the bias-corrected `log Z(x)`.
    ///
    /// `device` is the plain device the batches are built on.
    pub fn evaluate(
        &self,
        policy: &dyn Policy,
        reference: &dyn ReferenceModel,
        device: &Device,
    ) -> Result<MetricValues, PrefoptError> {
        let mut rng = batch_rng(self.seed, 0);
        let completions = self.generate(policy, &self.prompts, &mut rng)?;
        // Read only: from the policy's snapshot without autodiff, so no graph is kept.
        let snapshot = policy.snapshot();
        let mut samples = Vec::with_capacity(completions.len());
        for (start, chunk) in (0..self.prompts.len())
            .step_by(CHUNK)
            .zip(self.prompts.chunks(CHUNK))
        {
            let batch = SequenceBatch::from_ids(
                chunk,
                &completions[start..start + chunk.len()],
                self.pad,
                device,
            )?;
            let logps = host(match &snapshot {
                Some(snapshot) => snapshot.sequence_logps(&batch),
                None => policy.sequence_logps(&batch).detach(),
            });
            let reference_logps = host(reference.sequence_logps(&batch));
            let rewards = match self.reward {
                Some(reward) => host(reward.score(&batch)),
                None => vec![0.0; chunk.len()],
            };
            for (offset, ((logp, reference_logp), reward)) in logps
                .into_iter()
                .zip(reference_logps)
                .zip(rewards)
                .enumerate()
            {
                samples.push(PolicySample {
                    prompt: self.prompt_of[start + offset],
                    logp,
                    reference_logp,
                    reward,
                });
            }
        }
        let count = samples.len();
        let mut metrics = Vec::new();
        let context = |error: PrefoptError| {
            PrefoptError::Numerical(format!(
                "evaluation over {count} sampled completions: {error}"
            ))
        };
        if self.reward.is_some() {
            let mut rewards = vec![Vec::new(); self.prompt_of.last().map_or(0, |last| last + 1)];
            for sample in &samples {
                rewards[sample.prompt].push(sample.reward);
            }
            let estimate = mean_of_group_means(&rewards).map_err(context)?;
            push_estimate(&mut metrics, "reward/true", estimate);
        }
        push_estimate(
            &mut metrics,
            "kl/reference",
            kl_to_reference(&samples).map_err(context)?,
        );
        if let Some((beta, log_partitions)) = &self.log_partitions {
            let corrected: Vec<Estimate> = log_partitions.iter().map(|l| l.corrected()).collect();
            push_estimate(
                &mut metrics,
                "kl/optimal",
                kl_to_optimal(&samples, &corrected, *beta).map_err(context)?,
            );
            let prompts = corrected.len() as f64;
            push_estimate(
                &mut metrics,
                "log_z",
                Estimate {
                    value: corrected.iter().map(|l| l.value).sum::<f64>() / prompts,
                    std_err: corrected
                        .iter()
                        .map(|l| l.std_err.powi(2))
                        .sum::<f64>()
                        .sqrt()
                        / prompts,
                },
            );
        }
        if let Some((name, value)) = metrics.iter().find(|(_, value)| !value.is_finite()) {
            return Err(PrefoptError::Numerical(format!(
                "evaluation: {name} is {value} over {count} sampled completions"
            )));
        }
        Ok(metrics)
    }

    /// One completion per row of `prompts`, generated in chunks of [`CHUNK`] rows.
    fn generate(
        &self,
        policy: &dyn Policy,
        prompts: &[Vec<u32>],
        rng: &mut StdRng,
    ) -> Result<Vec<Vec<u32>>, PrefoptError> {
        let mut completions = Vec::with_capacity(prompts.len());
        for chunk in prompts.chunks(CHUNK) {
            completions.extend(
                policy
                    .generate(chunk, &self.options, rng)?
                    .into_iter()
                    .map(|generation| generation.tokens),
            );
        }
        Ok(completions)
    }
}

/// Each prompt repeated `repeats` times in a row, with the index of its prompt.
fn repeated(prompts: &[Vec<u32>], repeats: usize) -> (Vec<Vec<u32>>, Vec<usize>) {
    prompts
        .iter()
        .enumerate()
        .flat_map(|(index, prompt)| std::iter::repeat_n((prompt.clone(), index), repeats))
        .unzip()
}

/// `name` and, where it is finite (two samples or more), `name_se`.
fn push_estimate(metrics: &mut MetricValues, name: &str, estimate: Estimate) {
    metrics.push((name.into(), estimate.value));
    if estimate.std_err.is_finite() {
        metrics.push((format!("{name}_se"), estimate.std_err));
    }
}

/// A tensor's values on the host, in f64.
fn host<const D: usize>(tensor: Tensor<D>) -> Vec<f64> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32 values")
        .into_iter()
        .map(f64::from)
        .collect()
}
