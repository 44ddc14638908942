//! A policy measured against the closed-form optimum of a task whose outputs can be enumerated.

use crate::closed_form::{expected_reward, kl_divergence, log_partition, optimal_log_policy};
use prefopt_core::{MetricValues, TabularTruth};

/// The optimal policy of a tabular task at one beta.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimalPolicy {
    /// The KL coefficient.
    pub beta: f64,
    /// `log Z(x)` per context.
    pub log_partition: Vec<f64>,
    /// `log pi*(y|x)`, row-major `[contexts, outputs]`.
    pub log_probs: Vec<f64>,
}

impl OptimalPolicy {
    /// Computes `pi* = pi_ref exp(r/beta) / Z` for every context of `truth`.
    pub fn of(truth: &TabularTruth, beta: f64) -> Self {
        let rows = rows(truth);
        Self {
            beta,
            log_partition: rows
                .clone()
                .map(|(reference, rewards)| log_partition(reference, rewards, beta))
                .collect(),
            log_probs: rows
                .flat_map(|(reference, rewards)| optimal_log_policy(reference, rewards, beta))
                .collect(),
        }
    }
}

fn rows(truth: &TabularTruth) -> impl Iterator<Item = (&[f64], &[f64])> + Clone {
    truth
        .reference_logps
        .chunks(truth.outputs)
        .zip(truth.rewards.chunks(truth.outputs))
}

/// Measures a tabular policy (`policy_logps`, row-major `[contexts, outputs]`) against the task's
/// truth, each quantity averaged uniformly over contexts:
///
/// * `kl/reference` — `KL(pi_theta || pi_ref)`;
/// * `reward/true` — `E_{y~pi_theta}[r(x,y)]`;
/// * `objective/true` — `reward/true - beta * kl/reference`, the RLHF objective;
///
/// and, when `optimal` is given (its beta):
///
/// * `kl/optimal` — `KL(pi_theta || pi*)`;
/// * `reward/optimal` — `E_{y~pi*}[r(x,y)]`;
/// * `objective/optimal` — `beta * log Z(x)`, the best value the objective can take
///   (Rafailov et al. 2023, arXiv:2305.18290, App. A.1).
pub fn compare(
    truth: &TabularTruth,
    policy_logps: &[f64],
    optimal: Option<&OptimalPolicy>,
) -> MetricValues {
    assert_eq!(
        policy_logps.len(),
        truth.contexts * truth.outputs,
        "policy table must be [contexts, outputs]"
    );
    let contexts = truth.contexts as f64;
    let policy_rows = policy_logps.chunks(truth.outputs);
    let mut kl_reference = 0.0;
    let mut reward = 0.0;
    for (policy, (reference, rewards)) in policy_rows.clone().zip(rows(truth)) {
        kl_reference += kl_divergence(policy, reference) / contexts;
        reward += expected_reward(policy, rewards) / contexts;
    }
    let mut values = vec![
        ("kl/reference".to_string(), kl_reference),
        ("reward/true".to_string(), reward),
    ];
    if let Some(optimal) = optimal {
        let beta = optimal.beta;
        let mut kl_optimal = 0.0;
        let mut reward_optimal = 0.0;
        for ((policy, best), (_, rewards)) in policy_rows
            .zip(optimal.log_probs.chunks(truth.outputs))
            .zip(rows(truth))
        {
            kl_optimal += kl_divergence(policy, best) / contexts;
            reward_optimal += expected_reward(best, rewards) / contexts;
        }
        let objective_optimal = beta * optimal.log_partition.iter().sum::<f64>() / contexts;
        values.extend([
            ("kl/optimal".to_string(), kl_optimal),
            ("reward/optimal".to_string(), reward_optimal),
            ("objective/true".to_string(), reward - beta * kl_reference),
            ("objective/optimal".to_string(), objective_optimal),
        ]);
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn truth() -> TabularTruth {
        TabularTruth {
            contexts: 2,
            outputs: 3,
            reference_logps: [0.2, 0.3, 0.5, 0.6, 0.3, 0.1]
                .iter()
                .map(|p: &f64| p.ln())
                .collect(),
            rewards: vec![1.0, -0.5, 0.0, 2.0, 0.3, -1.0],
        }
    }

    #[test]
    fn the_optimum_is_at_kl_zero_and_reaches_the_optimal_objective() {
        let truth = truth();
        let optimal = OptimalPolicy::of(&truth, 0.5);
        let values = compare(&truth, &optimal.log_probs, Some(&optimal));
        let get = |name: &str| values.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(get("kl/optimal"), 0.0);
        assert!((get("objective/true") - get("objective/optimal")).abs() < 1e-12);
        assert!((get("reward/true") - get("reward/optimal")).abs() < 1e-12);
    }

    #[test]
    fn the_reference_is_at_kl_zero_from_itself() {
        let truth = truth();
        let values = compare(&truth, &truth.reference_logps, None);
        assert_eq!(values[0], ("kl/reference".to_string(), 0.0));
        // E_ref[r] averaged over the two contexts, by hand.
        let by_hand = ((0.2 * 1.0 - 0.3 * 0.5) + (0.6 * 2.0 + 0.3 * 0.3 - 0.1)) / 2.0;
        assert!((values[1].1 - by_hand).abs() < 1e-12);
    }
}
