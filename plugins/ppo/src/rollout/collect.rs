//! Gathering a step's completions: the whole population of an enumerable task, or samples from
//! the policy (from its table, or generated token by token), then scored and annotated with
//! the behaviour and reference log-probs per token.

use super::batch::Rollout;
use prefopt_core::burn::tensor::{Device, Tensor};
use prefopt_core::{
    Policy, PrefoptError, ReferenceModel, RewardModel, SamplingOptions, SequenceBatch,
};
use rand::Rng;
use rand::distr::{Distribution, weighted::WeightedIndex};
use rand::rngs::StdRng;

/// A tensor's values on the host, in f64.
///
/// # Shapes
/// Any; returns the values row-major.
pub fn host_values<const D: usize>(tensor: Tensor<D>) -> Vec<f64> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32 values")
        .into_iter()
        .map(f64::from)
        .collect()
}

/// Every output of every context, `(x, y)` for `x < contexts`, `y < outputs`, each weighted by
/// `pi_old(y|x) / contexts`: an update over this rollout is the exact expectation over the
/// policy's completions with contexts drawn uniformly.
pub fn population_rollout(
    policy: &dyn Policy,
    reference: &dyn ReferenceModel,
    reward: &dyn RewardModel,
    contexts: usize,
    outputs: usize,
    step: usize,
    device: &Device,
) -> Result<Rollout, PrefoptError> {
    let prompts: Vec<i64> = (0..contexts)
        .flat_map(|x| std::iter::repeat_n(x as i64, outputs))
        .collect();
    let actions: Vec<i64> = (0..contexts)
        .flat_map(|_| (0..outputs).map(|y| y as i64))
        .collect();
    let sequences = SequenceBatch::single_tokens(&prompts, &actions, device);
    let prompt_of = prompts.iter().map(|&x| x as usize).collect();
    let finished = vec![true; prompts.len()];
    let mut rollout = annotate(
        policy, reference, reward, sequences, prompt_of, contexts, finished, true, step,
    )?;
    let per_context = 1.0 / contexts as f64;
    rollout.weights = rollout
        .old_logps
        .iter()
        .map(|logp| logp.exp() * per_context)
        .collect();
    Ok(rollout)
}

/// `total` completions from the policy: `total / per_prompt` prompts drawn uniformly (with
/// replacement) from `prompts`, each answered `per_prompt` times in a row (TRL's
/// `RepeatSampler`: the groups of GRPO and RLOO). A policy with a table
/// ([`Policy::log_prob_table`]) is sampled from it, the prompt's first token being the context;
/// any other policy generates ([`Policy::generate`] with `options`).
#[allow(clippy::too_many_arguments)]
pub fn sampled_rollout(
    policy: &dyn Policy,
    reference: &dyn ReferenceModel,
    reward: &dyn RewardModel,
    prompts: &[Vec<u32>],
    per_prompt: usize,
    total: usize,
    options: &SamplingOptions,
    step: usize,
    rng: &mut StdRng,
    device: &Device,
) -> Result<Rollout, PrefoptError> {
    if prompts.is_empty() || per_prompt == 0 || total < per_prompt {
        return Err(PrefoptError::Data(format!(
            "step {step}: empty rollout: {} prompts, {total} completions of {per_prompt} per \
             prompt; a step needs at least one prompt and one completion",
            prompts.len()
        )));
    }
    let drawn: Vec<usize> = (0..total / per_prompt)
        .map(|_| rng.random_range(0..prompts.len()))
        .collect();
    let prompt_of: Vec<usize> = (0..drawn.len())
        .flat_map(|group| std::iter::repeat_n(group, per_prompt))
        .collect();
    let rows: Vec<Vec<u32>> = prompt_of
        .iter()
        .map(|&group| prompts[drawn[group]].clone())
        .collect();
    let (completions, finished) = match policy.log_prob_table() {
        Some(table) => sample_table(table, &rows, rng, step)?,
        None => {
            let generations = policy.generate(&rows, options, rng)?;
            generations
                .into_iter()
                .map(|generation| (generation.tokens, generation.finished))
                .unzip()
        }
    };
    let pad = policy
        .tokenizer()
        .and_then(|tokenizer| tokenizer.pad_token_id())
        .unwrap_or(0);
    let sequences = SequenceBatch::from_ids(&rows, &completions, pad, device)?;
    let mut rollout = annotate(
        policy,
        reference,
        reward,
        sequences,
        prompt_of,
        drawn.len(),
        finished,
        false,
        step,
    )?;
    let each = 1.0 / rollout.len() as f64;
    rollout.weights = vec![each; rollout.len()];
    Ok(rollout)
}

/// One action per row from the rows of a `[contexts, outputs]` log-prob table.
fn sample_table(
    table: Tensor<2>,
    rows: &[Vec<u32>],
    rng: &mut StdRng,
    step: usize,
) -> Result<(Vec<Vec<u32>>, Vec<bool>), PrefoptError> {
    let [contexts, outputs] = table.dims();
    let logps = host_values(table);
    let mut samplers = Vec::with_capacity(contexts);
    for (context, row) in logps.chunks(outputs).enumerate() {
        let sampler = WeightedIndex::new(row.iter().map(|logp| logp.exp())).map_err(|error| {
            PrefoptError::Numerical(format!(
                "step {step}: the policy's row for context {context} is not a distribution \
                 ({error}): {row:?}"
            ))
        })?;
        samplers.push(sampler);
    }
    let mut completions = Vec::with_capacity(rows.len());
    for prompt in rows {
        let context = prompt[0] as usize;
        let sampler = samplers.get(context).ok_or_else(|| {
            PrefoptError::Incompatible(format!(
                "step {step}: prompt token {context} is not a context of the policy's \
                 {contexts} x {outputs} table"
            ))
        })?;
        completions.push(vec![sampler.sample(rng) as u32]);
    }
    Ok((completions, vec![true; rows.len()]))
}

/// Scores the sequences and reads the behaviour and reference log-probs per token; weights are
/// left for the caller. Refuses an empty rollout and non-finite rewards or log-probs, naming
/// the step and the completion.
#[allow(clippy::too_many_arguments)]
fn annotate(
    policy: &dyn Policy,
    reference: &dyn ReferenceModel,
    reward: &dyn RewardModel,
    sequences: SequenceBatch,
    prompt_of: Vec<usize>,
    prompts: usize,
    finished: Vec<bool>,
    population: bool,
    step: usize,
) -> Result<Rollout, PrefoptError> {
    let [rows, width] = sequences.completion_mask.dims();
    let mask = host_values(sequences.completion_mask.clone());
    if rows == 0 || mask.iter().all(|m| *m == 0.0) {
        return Err(PrefoptError::Data(format!(
            "step {step}: empty rollout: {rows} completions with no token among them; the \
             policy must produce at least one completion token per step"
        )));
    }
    let masked =
        |values: Vec<f64>| -> Vec<f64> { values.iter().zip(&mask).map(|(v, m)| v * m).collect() };
    // Read only: from the policy's snapshot without autodiff, so no graph is kept.
    let old_logps = masked(host_values(match policy.snapshot() {
        Some(snapshot) => snapshot.token_logps(&sequences),
        None => policy.token_logps(&sequences).detach(),
    }));
    let ref_logps = masked(host_values(reference.token_logps(&sequences)));
    let scores = host_values(reward.score(&sequences));
    check_finite("the reward model's score", &scores, 1, step, &prompt_of)?;
    check_finite("the policy's log-prob", &old_logps, width, step, &prompt_of)?;
    check_finite(
        "the reference's log-prob",
        &ref_logps,
        width,
        step,
        &prompt_of,
    )?;
    Ok(Rollout {
        sequences,
        prompt_of,
        prompts,
        weights: vec![0.0; rows],
        population,
        width,
        mask,
        old_logps,
        ref_logps,
        scores,
        finished,
    })
}

/// Refuses a NaN or infinite value, naming what it is, the step, the completion and its prompt.
pub fn check_finite(
    what: &str,
    values: &[f64],
    width: usize,
    step: usize,
    prompt_of: &[usize],
) -> Result<(), PrefoptError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(index) => {
            let row = index / width;
            let token = if width > 1 {
                format!(", token {}", index % width)
            } else {
                String::new()
            };
            Err(PrefoptError::Numerical(format!(
                "step {step}: {what} of completion {row} (prompt {}{token}) is {}; it must be \
                 finite (check the `[reward]` section and the policy)",
                prompt_of.get(row).copied().unwrap_or(row),
                values[index]
            )))
        }
    }
}
