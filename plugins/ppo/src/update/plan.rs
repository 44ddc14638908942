//! What an algorithm asks of the shared update: the advantages it computed from a rollout, how
//! the per-token losses are averaged, and its extra terms (a KL in the loss, an entropy bonus,
//! a critic's value targets).

use crate::kl::KlEstimator;
use crate::rollout::Rollout;
use serde::{Deserialize, Serialize};

/// How per-token policy losses are averaged over a minibatch, each completion weighted by its
/// rollout weight (TRL's GRPO `loss_type`; PPO's `masked_mean` is [`TokenMean`](Self::TokenMean)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    /// Over every real token of the minibatch (PPO; GRPO's `dapo` and `bnpo`).
    TokenMean,
    /// Over each completion's tokens, then over completions (GRPO's `grpo`).
    SequenceMean,
    /// The token sum over completions times this many tokens (GRPO's `dr_grpo`, with
    /// `max_completion_length`).
    FixedLength(usize),
}

/// GRPO's `loss_type`: how the per-token losses are averaged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LossType {
    /// Per-completion token mean, then the mean over completions (Shao et al. 2024).
    Grpo,
    /// Token mean over the local batch (TRL).
    Bnpo,
    /// Token sum over `completions x max_completion_length` (Liu et al. 2025, arXiv:2503.20783).
    DrGrpo,
    /// Token mean over the whole batch (Yu et al. 2025, arXiv:2503.14476); TRL's default. One
    /// process holds the whole batch here, so `dapo` and `bnpo` coincide.
    #[default]
    Dapo,
}

impl LossType {
    /// The aggregation; `max_completion_length` for `dr_grpo`.
    pub fn aggregation(self, max_completion_length: usize) -> Aggregation {
        match self {
            LossType::Grpo => Aggregation::SequenceMean,
            LossType::Bnpo | LossType::Dapo => Aggregation::TokenMean,
            LossType::DrGrpo => Aggregation::FixedLength(max_completion_length),
        }
    }
}

/// Advantages per token, or one per completion with a completion-level importance ratio
/// (RLOO: `exp(sum_t log pi - log pi_old)`).
#[derive(Debug, Clone, PartialEq)]
pub enum Advantages {
    /// `[rows, width]`, 0 on padding.
    PerToken(Vec<f64>),
    /// `[rows]`.
    PerSequence(Vec<f64>),
}

/// The critic's targets: clipped value loss (TRL's `PPOTrainer`).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueTargets {
    /// GAE returns `A + V_old`, `[rows, width]`.
    pub returns: Vec<f64>,
    /// The critic's values when the rollout was scored, `[rows, width]`.
    pub old_values: Vec<f64>,
    /// New values are clipped to `old ± cliprange_value`.
    pub cliprange_value: f64,
    /// The value loss's weight in the total loss.
    pub vf_coef: f64,
}

/// One update's recipe, built by an algorithm from a rollout.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdatePlan {
    /// The advantages.
    pub advantages: Advantages,
    /// How per-token losses are averaged (per-completion advantages average over completions).
    pub aggregation: Aggregation,
    /// The importance ratio is clipped to `[1 - clip_low, 1 + clip_high]`.
    pub clip_low: f64,
    /// See [`clip_low`](Self::clip_low).
    pub clip_high: f64,
    /// A KL estimator differentiated in the loss, with its coefficient (GRPO's `beta`).
    pub kl_in_loss: Option<(KlEstimator, f64)>,
    /// The entropy bonus's coefficient (0: none).
    pub entropy_coef: f64,
    /// The critic's targets (PPO).
    pub value: Option<ValueTargets>,
    /// Passes over the rollout (PPO's `num_ppo_epochs`, GRPO's `num_iterations`).
    pub epochs: usize,
    /// Minibatches per pass, each one optimizer step.
    pub minibatches: usize,
}

/// Per-token coefficients `c_it` for the rows `rows` of `rollout` such that the aggregated loss
/// is `sum_it c_it l_it` (`[rows.len(), width]`).
pub fn token_coefficients(rollout: &Rollout, rows: &[usize], aggregation: Aggregation) -> Vec<f64> {
    let width = rollout.width;
    let mask = rollout.rows_of(&rollout.mask, rows);
    let weights: Vec<f64> = rows.iter().map(|&row| rollout.weights[row]).collect();
    let mut coefficients: Vec<f64> = mask
        .chunks(width)
        .zip(&weights)
        .flat_map(|(mask, w)| {
            let tokens: f64 = mask.iter().sum();
            mask.iter().map(move |m| match aggregation {
                Aggregation::SequenceMean => w * m / tokens.max(1.0),
                _ => w * m,
            })
        })
        .collect();
    let total = match aggregation {
        Aggregation::TokenMean => coefficients.iter().sum::<f64>(),
        Aggregation::SequenceMean => weights.iter().sum::<f64>(),
        Aggregation::FixedLength(length) => weights.iter().sum::<f64>() * length.max(1) as f64,
    };
    if total > 0.0 {
        coefficients.iter_mut().for_each(|c| *c /= total);
    }
    coefficients
}

/// Per-completion coefficients `w_i / sum_j w_j` for the rows `rows`.
pub fn sequence_coefficients(rollout: &Rollout, rows: &[usize]) -> Vec<f64> {
    let weights: Vec<f64> = rows.iter().map(|&row| rollout.weights[row]).collect();
    let total: f64 = weights.iter().sum();
    weights
        .into_iter()
        .map(|w| if total > 0.0 { w / total } else { 0.0 })
        .collect()
}
