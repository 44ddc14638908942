//! One update on a rollout: passes over it in shuffled minibatches, one optimizer step each, as
//! TRL's `PPOTrainer` loop does (and its GRPO and RLOO trainers with their own settings).

use super::loss::{LOG_RATIO_LIMIT, clipped_surrogate, clipped_value_loss};
use super::plan::{Advantages, Aggregation, UpdatePlan, sequence_coefficients, token_coefficients};
use crate::critic::CriticModel;
use crate::rollout::{Rollout, host_values};
use prefopt_core::burn::optim::ModuleOptimizer;
use prefopt_core::burn::tensor::{Device, Tensor, TensorData};
use prefopt_core::{Policy, PrefoptError};
use prefopt_train::optimizer::{TrainingOptimizer, probe_batch};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// The critic trained beside the policy, with its optimizer.
pub struct Critic<'a> {
    /// V(x), or V(x, y_<t) per token.
    pub model: &'a mut CriticModel,
    /// Its Adam.
    pub optimizer: &'a mut ModuleOptimizer,
}

/// What an update measured: each statistic averaged over its (pass, minibatch) steps, as TRL
/// logs them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UpdateStats {
    /// The total loss.
    pub loss: f64,
    /// The clipped surrogate loss (`loss/policy_avg`).
    pub policy_loss: f64,
    /// The clipped value loss (`loss/value_avg`), with a critic.
    pub value_loss: Option<f64>,
    /// The KL term of the loss (GRPO's `kl`), when the KL is in the loss.
    pub kl_loss: Option<f64>,
    /// `0.5 E[(log pi - log pi_old)^2]` (`policy/approxkl_avg`).
    pub approxkl: f64,
    /// The fraction of tokens where the clipped branch is the larger (`policy/clipfrac_avg`).
    pub clipfrac: f64,
    /// The fraction of tokens with ratio below `1 - clip_low` and a negative advantage
    /// (`clip_ratio/low_mean`).
    pub clip_low: f64,
    /// The fraction with ratio above `1 + clip_high` and a positive advantage
    /// (`clip_ratio/high_mean`).
    pub clip_high: f64,
    /// The fraction of value predictions clipped (`val/clipfrac_avg`), with a critic.
    pub value_clipfrac: Option<f64>,
    /// `E[-log pi]` per token (`policy/entropy_avg`).
    pub entropy: f64,
    /// The mean importance ratio (`val/ratio`).
    pub ratio: f64,
    /// The variance of the per-step mean ratios (`val/ratio_var`).
    pub ratio_var: f64,
    /// The policy's global gradient norm before clipping (`grad_norm`).
    pub grad_norm: f64,
}

/// Runs `plan.epochs` passes over `rollout` in `plan.minibatches` shuffled minibatches, one
/// optimizer step each (policy and critic together), at learning rate `lr`. The policy's step
/// is `[train]`'s ([`TrainingOptimizer`]: AdamW, clipped at `max_grad_norm` over the policy's
/// gradients); the critic's is a plain Adam step.
///
/// The loss of a minibatch is `policy + vf_coef * value + beta * kl - entropy_coef * entropy`
/// with:
///
/// * policy: the clipped surrogate `max(-A r, -A clip(r))` averaged by `plan.aggregation`;
/// * value: the clipped value loss (Schulman et al. 2017; TRL's `PPOTrainer`);
/// * kl: the estimator of `plan.kl_in_loss` at the current policy, token-averaged;
/// * entropy: `E_{pi_old}[r (-log pi)]`, whose gradient at `pi = pi_old` is the gradient of the
///   entropy `-E_pi[log pi]` (and whose value there is the entropy itself in population mode).
///
/// # Errors
/// [`PrefoptError::Numerical`] naming `step` when a loss is not finite.
#[allow(clippy::too_many_arguments)]
pub fn update(
    policy: &mut dyn Policy,
    optimizer: &mut TrainingOptimizer,
    mut critic: Option<Critic<'_>>,
    rollout: &Rollout,
    plan: &UpdatePlan,
    lr: f64,
    rng: &mut StdRng,
    step: usize,
) -> Result<UpdateStats, PrefoptError> {
    let minibatches = plan.minibatches.clamp(1, rollout.len().max(1));
    let size = rollout.len().div_ceil(minibatches);
    let mut records: Vec<[f64; 10]> = Vec::new();
    let mut value_records: Vec<[f64; 2]> = Vec::new();
    for _ in 0..plan.epochs {
        let mut order: Vec<usize> = (0..rollout.len()).collect();
        if minibatches > 1 {
            order.shuffle(rng);
        }
        for rows in order.chunks(size) {
            let (record, value_record) = minibatch_step(
                policy,
                optimizer,
                critic.as_mut(),
                rollout,
                plan,
                rows,
                lr,
                step,
            )?;
            records.push(record);
            value_records.extend(value_record);
        }
    }
    let mean = |index: usize| -> f64 {
        records.iter().map(|r| r[index]).sum::<f64>() / records.len().max(1) as f64
    };
    let ratio = mean(8);
    let ratio_var = if records.len() > 1 {
        records.iter().map(|r| (r[8] - ratio).powi(2)).sum::<f64>() / (records.len() - 1) as f64
    } else {
        0.0
    };
    let value_mean = |index: usize| -> Option<f64> {
        (!value_records.is_empty()).then(|| {
            value_records.iter().map(|r| r[index]).sum::<f64>() / value_records.len() as f64
        })
    };
    Ok(UpdateStats {
        loss: mean(0),
        policy_loss: mean(1),
        value_loss: value_mean(0),
        kl_loss: plan.kl_in_loss.map(|_| mean(2)),
        approxkl: mean(3),
        clipfrac: mean(4),
        clip_low: mean(5),
        clip_high: mean(6),
        value_clipfrac: value_mean(1),
        entropy: mean(7),
        ratio,
        ratio_var,
        grad_norm: mean(9),
    })
}

/// One optimizer step on the rows `rows`. Returns (loss, policy loss, kl term, approxkl,
/// clipfrac, low clip, high clip, entropy, ratio, gradient norm) and, with a critic, (value
/// loss, value clipfrac).
#[allow(clippy::too_many_arguments)]
fn minibatch_step(
    policy: &mut dyn Policy,
    optimizer: &mut TrainingOptimizer,
    critic: Option<&mut Critic<'_>>,
    rollout: &Rollout,
    plan: &UpdatePlan,
    rows: &[usize],
    lr: f64,
    step: usize,
) -> Result<([f64; 10], Option<[f64; 2]>), PrefoptError> {
    let device = rollout.sequences.prompts.device();
    let width = rollout.width;
    let count = rows.len();
    let table = |values: Vec<f64>| table(values, [count, width], &device);
    let batch = rollout.select(rows);
    let mask = table(rollout.rows_of(&rollout.mask, rows));
    let old = table(rollout.rows_of(&rollout.old_logps, rows));
    let new = policy.token_logps(&batch) * mask.clone();
    let log_ratio = (new.clone() - old) * mask.clone();
    let per_token = table(token_coefficients(rollout, rows, Aggregation::TokenMean));
    let (policy_loss, clipfrac, clip_low, clip_high, ratio) = match &plan.advantages {
        Advantages::PerToken(advantages) => {
            let coefficients = if plan.aggregation == Aggregation::TokenMean {
                per_token.clone()
            } else {
                table(token_coefficients(rollout, rows, plan.aggregation))
            };
            let advantages = table(rollout.rows_of(advantages, rows));
            surrogate_terms(log_ratio.clone(), advantages, coefficients, plan)
        }
        Advantages::PerSequence(advantages) => {
            let coefficients = vector(sequence_coefficients(rollout, rows), &device);
            let advantages = vector(rows.iter().map(|&row| advantages[row]).collect(), &device);
            let log_ratio = log_ratio.clone().sum_dim(1).squeeze_dim::<1>(1);
            surrogate_terms(log_ratio, advantages, coefficients, plan)
        }
    };
    let mut loss = policy_loss.clone();
    let zero = || Tensor::<1>::zeros([1], &device);
    let kl_term = match plan.kl_in_loss {
        Some((estimator, beta)) => {
            let reference = table(rollout.rows_of(&rollout.ref_logps, rows));
            let kl =
                (estimator.tensor(new.clone(), reference) * mask.clone() * per_token.clone()).sum();
            loss = loss + kl.clone() * beta;
            kl
        }
        None => zero(),
    };
    let token_ratio = log_ratio
        .clone()
        .clamp(-LOG_RATIO_LIMIT, LOG_RATIO_LIMIT)
        .exp();
    if plan.entropy_coef > 0.0 {
        let bonus = (token_ratio * -new.clone() * per_token.clone()).sum();
        loss = loss - bonus * plan.entropy_coef;
    }
    let entropy = (-new.clone() * per_token.clone()).sum();
    let approxkl = (log_ratio.square() * per_token.clone()).sum() * 0.5;
    let value_terms = match (critic.as_ref(), &plan.value) {
        (Some(critic), Some(targets)) => {
            if width != 1 && critic.model.is_table() {
                return Err(PrefoptError::Incompatible(format!(
                    "step {step}: the value table gives one value per context, but completions \
                     have {width} token positions; a table critic needs one-token completions"
                )));
            }
            let values = critic.model.values(&batch);
            let old_values = table(rollout.rows_of(&targets.old_values, rows));
            let returns = table(rollout.rows_of(&targets.returns, rows));
            let (value_loss, clipped) =
                clipped_value_loss(values, old_values, returns, targets.cliprange_value);
            let value_loss = (value_loss * per_token.clone()).sum();
            let clipped = (clipped * per_token.clone()).sum();
            loss = loss + value_loss.clone() * targets.vf_coef;
            Some((value_loss, clipped))
        }
        _ => None,
    };
    let mut scalars = vec![
        loss.clone(),
        policy_loss,
        kl_term,
        approxkl,
        clipfrac,
        clip_low,
        clip_high,
        entropy,
        ratio,
        zero(),
    ];
    if let Some((value_loss, clipped)) = &value_terms {
        scalars.extend([value_loss.clone(), clipped.clone()]);
    }
    let values = host_values(Tensor::cat(
        scalars.into_iter().map(|s| s.detach()).collect(),
        0,
    ));
    if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
        const NAMES: [&str; 12] = [
            "loss",
            "policy loss",
            "KL term",
            "approximate KL",
            "clip fraction",
            "low clip fraction",
            "high clip fraction",
            "entropy",
            "ratio",
            "-",
            "value loss",
            "value clip fraction",
        ];
        return Err(PrefoptError::Numerical(format!(
            "step {step}: the {} is {} on a minibatch of {count} completions",
            NAMES[bad], values[bad]
        )));
    }
    let mut grads = loss.backward();
    if let Some(critic) = critic {
        critic
            .model
            .apply_gradients(critic.optimizer, lr, &mut grads);
    }
    let report = optimizer.step(policy, lr, grads, &probe_batch(&batch), true)?;
    let mut record = [0.0; 10];
    record.copy_from_slice(&values[..10]);
    record[9] = report.grad_norm.unwrap_or(f64::NAN);
    let value_record = value_terms.map(|_| [values[10], values[11]]);
    Ok((record, value_record))
}

/// The surrogate's weighted sum, clip fraction, low and high clip fractions, and mean ratio.
///
/// # Shapes
/// `log_ratio`, `advantages`, `coefficients`: one shape (`[rows, tokens]` or `[rows]`); each
/// output `[1]`.
fn surrogate_terms<const D: usize>(
    log_ratio: Tensor<D>,
    advantages: Tensor<D>,
    coefficients: Tensor<D>,
    plan: &UpdatePlan,
) -> (Tensor<1>, Tensor<1>, Tensor<1>, Tensor<1>, Tensor<1>) {
    let (loss, taken, ratio) =
        clipped_surrogate(log_ratio, advantages.clone(), plan.clip_low, plan.clip_high);
    let ratio = ratio.detach();
    let low = ratio
        .clone()
        .lower_elem(1.0 - plan.clip_low)
        .float()
        .mul(advantages.clone().lower_elem(0.0).float());
    let high = ratio
        .clone()
        .greater_elem(1.0 + plan.clip_high)
        .float()
        .mul(advantages.greater_elem(0.0).float());
    let weighted = |tensor: Tensor<D>| (tensor * coefficients.clone()).sum();
    (
        weighted(loss),
        weighted(taken),
        weighted(low),
        weighted(high),
        weighted(ratio),
    )
}

fn table(values: Vec<f64>, shape: [usize; 2], device: &Device) -> Tensor<2> {
    let values: Vec<f32> = values.into_iter().map(|v| v as f32).collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

fn vector(values: Vec<f64>, device: &Device) -> Tensor<1> {
    let count = values.len();
    let values: Vec<f32> = values.into_iter().map(|v| v as f32).collect();
    Tensor::from_data(TensorData::new(values, [count]), device)
}
