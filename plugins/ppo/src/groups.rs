//! Statistics of per-completion values within each prompt's group of completions (GRPO's
//! group-normalized advantages, RLOO's baselines) and over the whole rollout.
//!
//! Population rollouts give the exact moments under the behaviour policy; sampled ones the
//! sample mean and the unbiased standard deviation, as `torch.std` (TRL's `nanstd`).

use crate::rollout::Rollout;
use crate::whiten::{weighted_mean, weighted_variance};

/// Mean and standard deviation of `values` (`[rows]`) within each prompt's completions, indexed
/// by prompt.
pub fn group_moments(rollout: &Rollout, values: &[f64]) -> Vec<(f64, f64)> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); rollout.prompts];
    for (row, &prompt) in rollout.prompt_of.iter().enumerate() {
        members[prompt].push(row);
    }
    members
        .iter()
        .map(|rows| {
            let group: Vec<f64> = rows.iter().map(|&row| values[row]).collect();
            let weights: Vec<f64> = rows.iter().map(|&row| rollout.weights[row]).collect();
            moments(&group, &weights, rollout.population)
        })
        .collect()
}

/// Mean and standard deviation of `values` (`[rows]`) over the whole rollout.
pub fn batch_moments(rollout: &Rollout, values: &[f64]) -> (f64, f64) {
    moments(values, &rollout.weights, rollout.population)
}

fn moments(values: &[f64], weights: &[f64], population: bool) -> (f64, f64) {
    if population {
        (
            weighted_mean(values, weights),
            weighted_variance(values, weights, false).sqrt(),
        )
    } else {
        let ones = vec![1.0; values.len()];
        (
            weighted_mean(values, &ones),
            weighted_variance(values, &ones, true).sqrt(),
        )
    }
}
