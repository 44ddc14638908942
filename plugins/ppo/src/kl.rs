//! Per-token estimators of `KL(pi || pi_ref)` from one sampled token (Schulman 2020,
//! "Approximating KL divergence", <http://joschu.net/blog/kl-approx.html>).
//!
//! With `log r = log pi_ref(y_t) - log pi(y_t)` at a token drawn from pi:
//!
//! | estimator | value | expectation under pi |
//! |---|---|---|
//! | `k1` | `-log r` | `KL(pi \|\| pi_ref)`, unbiased, can be negative |
//! | `k2` | `(log r)^2 / 2` | biased, low variance |
//! | `k3` | `(r - 1) - log r` | `KL(pi \|\| pi_ref)`, unbiased, never negative |
//!
//! Where an estimator is *placed* decides the gradient it gives (see `docs/concepts/rlhf.md`):
//! in the reward (PPO, RLOO) it is a constant the policy gradient weights `grad log pi` with;
//! in the loss (GRPO) it is differentiated directly.

use prefopt_core::burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// `|log r|` beyond which `k3` is evaluated at the clamp: `exp(20)` ~ 4.9e8 keeps the value and
/// its square finite in f32 (verl clamps the same estimator for the same reason).
pub const K3_LOG_RATIO_LIMIT: f64 = 20.0;

/// Which per-token KL estimator (TRL's `kl_estimator`; `k2` is not in TRL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KlEstimator {
    /// `log pi - log pi_ref`.
    #[default]
    K1,
    /// `(log pi - log pi_ref)^2 / 2`.
    K2,
    /// `pi_ref / pi - 1 - log(pi_ref / pi)`.
    K3,
}

impl KlEstimator {
    /// The estimate at one token from its policy and reference log-probs.
    pub fn value(self, logp: f64, ref_logp: f64) -> f64 {
        let log_r = ref_logp - logp;
        match self {
            KlEstimator::K1 => -log_r,
            KlEstimator::K2 => 0.5 * log_r * log_r,
            KlEstimator::K3 => {
                let log_r = log_r.clamp(-K3_LOG_RATIO_LIMIT, K3_LOG_RATIO_LIMIT);
                log_r.exp_m1() - log_r
            }
        }
    }

    /// The estimate at every token, differentiable in `logps` (the estimator placed in a loss).
    ///
    /// # Shapes
    /// `logps`, `ref_logps`: `[rows, tokens]`; returns `[rows, tokens]`.
    pub fn tensor(self, logps: Tensor<2>, ref_logps: Tensor<2>) -> Tensor<2> {
        let log_r = ref_logps - logps;
        match self {
            KlEstimator::K1 => -log_r,
            KlEstimator::K2 => log_r.square() * 0.5,
            KlEstimator::K3 => {
                let log_r = log_r.clamp(-K3_LOG_RATIO_LIMIT, K3_LOG_RATIO_LIMIT);
                log_r.clone().exp() - log_r - 1.0
            }
        }
    }

    /// `k1`, `k2` or `k3`.
    pub fn as_str(self) -> &'static str {
        match self {
            KlEstimator::K1 => "k1",
            KlEstimator::K2 => "k2",
            KlEstimator::K3 => "k3",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prefopt_core::burn::tensor::{Device, TensorData};

    #[test]
    fn values_by_hand() {
        // pi = 0.5, pi_ref = 0.25: log r = ln 0.5.
        let (logp, ref_logp) = (0.5f64.ln(), 0.25f64.ln());
        let log_r = 0.5f64.ln();
        assert!((KlEstimator::K1.value(logp, ref_logp) - 2f64.ln()).abs() < 1e-15);
        assert!((KlEstimator::K2.value(logp, ref_logp) - 0.5 * log_r * log_r).abs() < 1e-15);
        // r - 1 - log r = 0.5 - 1 + ln 2.
        assert!((KlEstimator::K3.value(logp, ref_logp) - (2f64.ln() - 0.5)).abs() < 1e-15);
        for estimator in [KlEstimator::K1, KlEstimator::K2, KlEstimator::K3] {
            assert_eq!(estimator.value(-1.3, -1.3), 0.0);
        }
    }

    #[test]
    fn k1_and_k3_are_unbiased_over_a_distribution() {
        // Sum over the support weighted by pi: both give KL(pi || pi_ref) exactly.
        let pi = [0.2f64, 0.5, 0.3];
        let reference = [0.4f64, 0.4, 0.2];
        let kl: f64 = pi
            .iter()
            .zip(&reference)
            .map(|(p, q)| p * (p / q).ln())
            .sum();
        for estimator in [KlEstimator::K1, KlEstimator::K3] {
            let expected: f64 = pi
                .iter()
                .zip(&reference)
                .map(|(p, q)| p * estimator.value(p.ln(), q.ln()))
                .sum();
            assert!((expected - kl).abs() < 1e-15, "{estimator:?}");
        }
    }

    #[test]
    fn tensors_match_the_host_values_and_stay_finite() {
        let device = Device::default();
        let logps = [-0.1f32, -3.0, -80.0, -1e4];
        let refs = [-2.0f32, -0.5, -1.0, -0.1];
        let tensor =
            |v: &[f32]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [2, 2]), &device);
        for estimator in [KlEstimator::K1, KlEstimator::K2, KlEstimator::K3] {
            let out: Vec<f32> = estimator
                .tensor(tensor(&logps), tensor(&refs))
                .into_data()
                .try_into_vec()
                .unwrap();
            for ((value, logp), reference) in out.iter().zip(logps).zip(refs) {
                assert!(value.is_finite(), "{estimator:?}: {out:?}");
                let host = estimator.value(f64::from(logp), f64::from(reference));
                assert!(
                    (f64::from(*value) - host).abs() <= 1e-5 * host.abs().max(1.0),
                    "{estimator:?}: {value} vs {host}"
                );
            }
        }
    }
}
