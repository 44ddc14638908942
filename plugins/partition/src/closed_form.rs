//! The closed form of the KL-regularized RLHF optimum, for one context whose outputs can be
//! enumerated.
//!
//! The objective `max_pi E_{y~pi}[r(x,y)] - beta KL(pi(.|x) || pi_ref(.|x))` is maximized by
//! `pi*(y|x) = pi_ref(y|x) exp(r(x,y)/beta) / Z(x)` with the partition function
//! `Z(x) = sum_y pi_ref(y|x) exp(r(x,y)/beta)` (Rafailov et al. 2023, arXiv:2305.18290, eq. 4;
//! Peters & Schaal 2007; Korbak et al. 2022). Everything here is in log space (log-sum-exp), in
//! `f64`, so it neither overflows for small beta nor underflows for tiny reference probabilities.

pub use prefopt_core::math::log_sum_exp;

/// The unnormalized log-weights `log pi_ref(y|x) + r(x,y)/beta` of every output.
pub fn unnormalized_log_weights(reference_logps: &[f64], rewards: &[f64], beta: f64) -> Vec<f64> {
    assert_eq!(
        reference_logps.len(),
        rewards.len(),
        "reference log-probs and rewards must cover the same outputs"
    );
    reference_logps
        .iter()
        .zip(rewards)
        .map(|(logp, reward)| logp + reward / beta)
        .collect()
}

/// `log Z(x) = logsumexp_y(log pi_ref(y|x) + r(x,y)/beta)`.
pub fn log_partition(reference_logps: &[f64], rewards: &[f64], beta: f64) -> f64 {
    log_sum_exp(&unnormalized_log_weights(reference_logps, rewards, beta))
}

/// `log pi*(y|x) = log pi_ref(y|x) + r(x,y)/beta - log Z(x)` for every output y.
pub fn optimal_log_policy(reference_logps: &[f64], rewards: &[f64], beta: f64) -> Vec<f64> {
    let weights = unnormalized_log_weights(reference_logps, rewards, beta);
    let log_z = log_sum_exp(&weights);
    weights.into_iter().map(|w| w - log_z).collect()
}

/// `KL(p || q) = sum_y p(y) (log p(y) - log q(y))`, from log-probabilities. Terms with
/// `p(y) = 0` contribute 0.
pub fn kl_divergence(p_logps: &[f64], q_logps: &[f64]) -> f64 {
    assert_eq!(
        p_logps.len(),
        q_logps.len(),
        "distributions must cover the same outputs"
    );
    p_logps
        .iter()
        .zip(q_logps)
        .filter(|(p, _)| p.is_finite())
        .map(|(p, q)| p.exp() * (p - q))
        .sum()
}

/// `E_{y~p}[r(x,y)] = sum_y p(y) r(x,y)`.
pub fn expected_reward(p_logps: &[f64], rewards: &[f64]) -> f64 {
    p_logps.iter().zip(rewards).map(|(p, r)| p.exp() * r).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_outputs_by_hand() {
        // pi_ref = (0.25, 0.75), r = (ln 3, 0), beta = 1: weights 0.75 and 0.75, Z = 1.5.
        let reference = [0.25f64.ln(), 0.75f64.ln()];
        let rewards = [3f64.ln(), 0.0];
        assert!((log_partition(&reference, &rewards, 1.0) - 1.5f64.ln()).abs() < 1e-12);
        let optimal = optimal_log_policy(&reference, &rewards, 1.0);
        assert!((optimal[0].exp() - 0.5).abs() < 1e-12);
        assert!((optimal[1].exp() - 0.5).abs() < 1e-12);
    }

    #[test]
    fn optimum_beats_every_other_policy_on_the_objective() {
        let reference = [0.1f64.ln(), 0.2f64.ln(), 0.7f64.ln()];
        let rewards = [2.0, -1.0, 0.5];
        let beta = 0.7;
        let objective = |logps: &[f64]| {
            expected_reward(logps, &rewards) - beta * kl_divergence(logps, &reference)
        };
        let optimal = optimal_log_policy(&reference, &rewards, beta);
        // The optimum's value is beta * log Z(x).
        assert!(
            (objective(&optimal) - beta * log_partition(&reference, &rewards, beta)).abs() < 1e-12
        );
        for other in [[0.3, 0.3, 0.4], [0.6, 0.1, 0.3], [0.34, 0.33, 0.33]] {
            let other: Vec<f64> = other.iter().map(|p: &f64| p.ln()).collect();
            assert!(objective(&other) < objective(&optimal));
        }
    }

    #[test]
    fn extreme_rewards_stay_finite() {
        let reference = [0.5f64.ln(), 0.5f64.ln()];
        let rewards = [1e4, -1e4];
        let optimal = optimal_log_policy(&reference, &rewards, 1e-3);
        assert!(optimal.iter().all(|v| !v.is_nan()));
        assert!((optimal[0]).abs() < 1e-12);
        assert!(log_partition(&reference, &rewards, 1e-3).is_finite());
    }

    #[test]
    fn kl_of_a_distribution_with_itself_is_zero() {
        let p = [0.2f64.ln(), 0.8f64.ln()];
        assert_eq!(kl_divergence(&p, &p), 0.0);
    }
}
