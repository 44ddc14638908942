//! Where the on-policy algorithms come to rest on one context of an enumerable task, in closed
//! form or by a one-dimensional root search: what the measurements in `docs/concepts/rlhf.md`
//! are compared with.
//!
//! With outputs drawn from the behaviour policy and the update taken at `pi = pi_old`, a KL
//! estimator's placement decides which gradient the update follows (`u = pi / pi_ref`):
//!
//! | placement | gradient of | rest point |
//! |---|---|---|
//! | `k1` in the reward | `KL(pi \|\| pi_ref)` | `pi* ∝ pi_ref exp(r / beta)` |
//! | `k1` in the loss | nothing (`E_pi[grad log pi] = 0`) | the reward's argmax |
//! | `k2` in the loss | `KL(pi \|\| pi_ref)` | `pi*` |
//! | `k3` in the loss | `KL(pi_ref \|\| pi)` | [`forward_kl_optimum`] |
//! | `k2` in the reward | `E_pi[k2] - KL(pi \|\| pi_ref)` | third order in `log u`: barely held |
//! | `k3` in the reward | `KL(pi \|\| pi_ref) - KL(pi_ref \|\| pi)` | `r - beta k3(u)` equal on the support |
//!
//! Dividing advantages by the group's reward deviation `s` (GRPO's `scale_rewards = "group"`)
//! scales the reward term against the KL term by `1 / s`: with the KL in the loss, the rest
//! point is that of beta `s` ([`grpo_k3_fixed_point`]); with `k1` in the reward, the reward
//! itself is constant over the support at rest, so the scaling changes nothing.

/// The standard deviation (plus GRPO's 1e-4) of `rewards` under `logps`.
fn reward_deviation(logps: &[f64], rewards: &[f64]) -> f64 {
    let mean: f64 = logps.iter().zip(rewards).map(|(l, r)| l.exp() * r).sum();
    let variance: f64 = logps
        .iter()
        .zip(rewards)
        .map(|(l, r)| l.exp() * (r - mean) * (r - mean))
        .sum();
    variance.sqrt() + crate::grpo::STD_EPSILON
}

/// `log pi` maximizing `E_pi[r] - beta KL(pi_ref || pi)` (the forward KL, which `k3` in the
/// loss follows): `pi_k = beta pi_ref,k / (beta - r_k + m)`, with `m` in
/// `(max r - beta, max r]` found by bisection so that the probabilities sum to 1.
pub fn forward_kl_optimum(reference_logps: &[f64], rewards: &[f64], beta: f64) -> Vec<f64> {
    let top = rewards.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let total = |m: f64| -> f64 {
        reference_logps
            .iter()
            .zip(rewards)
            .map(|(l, r)| beta * l.exp() / (beta - r + m))
            .sum()
    };
    let (mut low, mut high) = (top - beta, top);
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if total(middle) > 1.0 {
            low = middle;
        } else {
            high = middle;
        }
    }
    let m = high;
    let probabilities: Vec<f64> = reference_logps
        .iter()
        .zip(rewards)
        .map(|(l, r)| beta * l.exp() / (beta - r + m))
        .collect();
    let sum: f64 = probabilities.iter().sum();
    probabilities.iter().map(|p| (p / sum).ln()).collect()
}

/// GRPO's rest point with the KL in the loss (`k3`): without reward scaling,
/// [`forward_kl_optimum`] at `beta`; with group scaling, at `beta s` where `s` is the reward
/// deviation (+1e-4) under the rest point itself, found by bisection on `s`.
pub fn grpo_k3_fixed_point(
    reference_logps: &[f64],
    rewards: &[f64],
    beta: f64,
    scale_by_group_std: bool,
) -> Vec<f64> {
    if !scale_by_group_std {
        return forward_kl_optimum(reference_logps, rewards, beta);
    }
    // h(s) = deviation(rest point at beta s) - s: positive for s below the deviation of a
    // point mass (1e-4), negative above the reference's deviation.
    let h = |s: f64| {
        reward_deviation(
            &forward_kl_optimum(reference_logps, rewards, beta * s),
            rewards,
        ) - s
    };
    let (mut low, mut high) = (
        0.5 * crate::grpo::STD_EPSILON,
        reward_deviation(reference_logps, rewards) + 1.0,
    );
    for _ in 0..200 {
        let middle = 0.5 * (low + high);
        if h(middle) > 0.0 {
            low = middle;
        } else {
            high = middle;
        }
    }
    forward_kl_optimum(reference_logps, rewards, beta * 0.5 * (low + high))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logs(p: &[f64]) -> Vec<f64> {
        p.iter().map(|p| p.ln()).collect()
    }

    #[test]
    fn forward_kl_optimum_is_stationary_and_normalized() {
        let reference = logs(&[0.2, 0.5, 0.3]);
        let rewards = [1.0, -0.5, 0.25];
        let beta = 0.4;
        let pi = forward_kl_optimum(&reference, &rewards, beta);
        let p: Vec<f64> = pi.iter().map(|l| l.exp()).collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        // Stationary: pi_k (A_k - beta) = -beta pi_ref,k with A = r - E_pi r.
        let mean: f64 = p.iter().zip(&rewards).map(|(p, r)| p * r).sum();
        for k in 0..3 {
            let lhs = p[k] * (rewards[k] - mean - beta);
            assert!((lhs + beta * reference[k].exp()).abs() < 1e-10, "{k}");
        }
        // It beats nearby policies on E[r] - beta KL(pi_ref || pi).
        let objective = |p: &[f64]| -> f64 {
            let reward: f64 = p.iter().zip(&rewards).map(|(p, r)| p * r).sum();
            let kl: f64 = reference
                .iter()
                .zip(p)
                .map(|(l, p)| l.exp() * (l - p.ln()))
                .sum();
            reward - beta * kl
        };
        let best = objective(&p);
        for shift in [[0.01, -0.01, 0.0], [0.0, 0.02, -0.02], [-0.03, 0.0, 0.03]] {
            let other: Vec<f64> = p.iter().zip(shift).map(|(p, s)| p + s).collect();
            assert!(objective(&other) < best);
        }
    }

    #[test]
    fn group_scaling_is_the_rest_point_at_beta_times_the_deviation() {
        let reference = logs(&[0.25, 0.25, 0.5]);
        let rewards = [2.0, 0.0, -1.0];
        let beta = 0.1;
        let pi = grpo_k3_fixed_point(&reference, &rewards, beta, true);
        let s = reward_deviation(&pi, &rewards);
        let again = forward_kl_optimum(&reference, &rewards, beta * s);
        for (a, b) in pi.iter().zip(&again) {
            assert!((a - b).abs() < 1e-8, "{pi:?} vs {again:?}");
        }
        assert_eq!(
            grpo_k3_fixed_point(&reference, &rewards, beta, false),
            forward_kl_optimum(&reference, &rewards, beta)
        );
    }
}
