//! Generalized advantage estimation (Schulman et al. 2016, arXiv:1506.02438, eq. 16), over the
//! tokens of each completion as TRL's `PPOTrainer` computes it.

/// Per-token advantages and returns of `rows` completions of `width` token positions each
/// (row-major `[rows, width]`):
///
/// `delta_t = r_t + gamma V_{t+1} - V_t` (with `V_width = 0`),
/// `A_t = delta_t + gamma lam A_{t+1}`, and the value targets `returns_t = A_t + V_t`.
///
/// Rewards and values past a completion's end must be 0 (TRL fills them so), which ends the
/// recursion there.
pub fn gae(
    rewards: &[f64],
    values: &[f64],
    width: usize,
    gamma: f64,
    lam: f64,
) -> (Vec<f64>, Vec<f64>) {
    assert_eq!(
        rewards.len(),
        values.len(),
        "rewards and values cover the same tokens"
    );
    assert!(
        width > 0 && rewards.len().is_multiple_of(width),
        "rows of `width` tokens"
    );
    let mut advantages = vec![0.0; rewards.len()];
    for (row, (rewards, values)) in rewards.chunks(width).zip(values.chunks(width)).enumerate() {
        let mut last = 0.0;
        for t in (0..width).rev() {
            let next_value = if t + 1 < width { values[t + 1] } else { 0.0 };
            let delta = rewards[t] + gamma * next_value - values[t];
            last = delta + gamma * lam * last;
            advantages[row * width + t] = last;
        }
    }
    let returns = advantages.iter().zip(values).map(|(a, v)| a + v).collect();
    (advantages, returns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_token_is_reward_minus_value() {
        let (advantages, returns) = gae(&[1.5, -2.0], &[0.5, 1.0], 1, 1.0, 0.95);
        assert_eq!(advantages, vec![1.0, -3.0]);
        assert_eq!(returns, vec![1.5, -2.0]);
    }

    #[test]
    fn three_tokens_by_hand() {
        // r = (0, 0, 1), V = (0.2, 0.4, 0.6), gamma 0.9, lam 0.5.
        let (gamma, lam) = (0.9, 0.5);
        let (advantages, returns) = gae(&[0.0, 0.0, 1.0], &[0.2, 0.4, 0.6], 3, gamma, lam);
        let d2 = 1.0 - 0.6;
        let d1 = 0.0 + gamma * 0.6 - 0.4;
        let d0 = 0.0 + gamma * 0.4 - 0.2;
        let a2 = d2;
        let a1 = d1 + gamma * lam * a2;
        let a0 = d0 + gamma * lam * a1;
        for (got, want) in advantages.iter().zip([a0, a1, a2]) {
            assert!((got - want).abs() < 1e-15);
        }
        assert!((returns[0] - (a0 + 0.2)).abs() < 1e-15);
        // With lam = 1 and gamma = 1 the return is the reward-to-go: 1 everywhere.
        let (_, to_go) = gae(&[0.0, 0.0, 1.0], &[0.2, 0.4, 0.6], 3, 1.0, 1.0);
        assert!(to_go.iter().all(|r| (r - 1.0).abs() < 1e-15), "{to_go:?}");
    }
}
