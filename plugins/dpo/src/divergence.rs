//! The f-divergence score stage: the composable first step of the difference-based losses.
//!
//! f-DPO (Wang et al. 2023, arXiv:2309.16240, Theorem 1) replaces DPO's reverse-KL reward
//! `beta log(pi/pi_ref)` by `beta f'(pi/pi_ref)` for an f-divergence `f`. With `u` the
//! log-ratio `log pi(y|x) - log pi_ref(y|x)` and `t = e^u`, the score `s = f'(t)` is:
//!
//! | `f_divergence_type` | `f'(t)` | score `s(u)` |
//! |---|---|---|
//! | `reverse_kl` (default) | `log t` | `u` |
//! | `forward_kl` | `1 - 1/t` | `1 - exp(-u)` |
//! | `js_divergence` | `log(2t / (1 + t))` | `log 2 + log sigmoid(u)` |
//! | `alpha_divergence` | `(t^(a-1) - 1) / (a - 1)` | `(exp((a - 1) u) - 1) / (a - 1)` |
//!
//! (`a` is alpha, `f_alpha_divergence_coef`.) As in TRL (since the change that restricted
//! f-divergences to difference-based losses), the additive constants are kept: they cancel in
//! `s_w - s_l` but not once `ipo` and `sigmoid_norm` divide each score by its token count. `alpha_divergence` with `|alpha - 1| < 1e-6` is
//! `reverse_kl` (the limit); exponents are clamped at 80 (TRL's float32 clamp for alpha; applied
//! to `forward_kl` too so `exp` stays finite when `-u > 80`).
//!
//! TRL accepts a non-default f-divergence only for the losses whose reparameterized
//! `beta log Z(x)` term cancels in the chosen-rejected difference: [`ACCEPTED_BY`]. Metrics always
//! use the raw log-ratios times beta.

use crate::{checks, defaults};
use prefopt_core::burn::tensor::Tensor;
use prefopt_core::burn::tensor::activation::log_sigmoid;
use prefopt_core::{ConfigError, PairLogps};
use serde::{Deserialize, Serialize};
use std::fmt;

/// TRL's `loss_type`s that take a non-default `f_divergence_type` (`sft` ignores it). Every other
/// loss scores the raw log-ratios and refuses it.
pub const ACCEPTED_BY: [&str; 8] = [
    "sigmoid",
    "sigmoid_norm",
    "hinge",
    "ipo",
    "exo_pair",
    "robust",
    "discopop",
    "sft",
];

/// The largest exponent passed to `exp` (TRL's float32 clamp for the alpha-divergence).
pub const MAX_EXPONENT: f64 = 80.0;

/// Which f-divergence regularizes the policy toward the reference (TRL's `f_divergence_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FDivergenceType {
    /// Reverse KL, `KL(pi || pi_ref)`: standard DPO.
    #[default]
    ReverseKl,
    /// Forward KL, `KL(pi_ref || pi)`: mass-covering.
    ForwardKl,
    /// Jensen-Shannon divergence.
    JsDivergence,
    /// The alpha-divergence with `f_alpha_divergence_coef` as alpha.
    AlphaDivergence,
}

impl FDivergenceType {
    /// TRL's name for it.
    pub fn name(self) -> &'static str {
        match self {
            FDivergenceType::ReverseKl => "reverse_kl",
            FDivergenceType::ForwardKl => "forward_kl",
            FDivergenceType::JsDivergence => "js_divergence",
            FDivergenceType::AlphaDivergence => "alpha_divergence",
        }
    }
}

impl fmt::Display for FDivergenceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The score stage: an f-divergence and its alpha.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FDivergence {
    /// Which divergence.
    pub kind: FDivergenceType,
    /// alpha, used by `alpha_divergence` only.
    pub alpha: f64,
}

impl Default for FDivergence {
    fn default() -> Self {
        Self {
            kind: FDivergenceType::ReverseKl,
            alpha: defaults::f_alpha_divergence_coef(),
        }
    }
}

impl FDivergence {
    /// The stage for `kind` with `alpha`.
    pub fn new(kind: FDivergenceType, alpha: f64) -> Self {
        Self { kind, alpha }
    }

    /// The score `s(u)` of each log-ratio `u` (see the module table).
    ///
    /// # Shapes
    /// `[batch]` to `[batch]`.
    pub fn score(&self, log_ratio: Tensor<1>) -> Tensor<1> {
        match self.kind {
            FDivergenceType::ReverseKl => log_ratio,
            FDivergenceType::ForwardKl => -(-log_ratio).clamp_max(MAX_EXPONENT).exp() + 1.0,
            FDivergenceType::JsDivergence => log_sigmoid(log_ratio) + std::f64::consts::LN_2,
            FDivergenceType::AlphaDivergence => {
                let shift = self.alpha - 1.0;
                if shift.abs() < 1e-6 {
                    log_ratio
                } else {
                    ((log_ratio * shift).clamp_max(MAX_EXPONENT).exp() - 1.0) / shift
                }
            }
        }
    }

    /// The chosen and rejected scores `(s(u_w), s(u_l))` of a batch.
    ///
    /// # Shapes
    /// Two `[batch]` tensors.
    pub fn scores(&self, pairs: &PairLogps) -> (Tensor<1>, Tensor<1>) {
        (
            self.score(pairs.chosen_log_ratio()),
            self.score(pairs.rejected_log_ratio()),
        )
    }

    /// Checks alpha (fields `f_alpha_divergence_coef`): finite, and > 0 for the alpha-divergence
    /// (f-DPO's alpha-divergences have alpha in (0, 1); alpha <= 0 is not an f-divergence
    /// TRL documents).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !self.alpha.is_finite() {
            return Err(ConfigError::new(
                "f_alpha_divergence_coef",
                format!("must be a finite number, got {}", self.alpha),
            ));
        }
        if self.kind == FDivergenceType::AlphaDivergence {
            checks::positive(
                "f_alpha_divergence_coef",
                self.alpha,
                "the alpha of the alpha-divergence",
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::values;
    use prefopt_core::burn::tensor::{Device, TensorData};

    fn score(kind: FDivergenceType, alpha: f64, u: &[f32]) -> Vec<f64> {
        let tensor =
            Tensor::<1>::from_data(TensorData::new(u.to_vec(), [u.len()]), &Device::default());
        values(FDivergence::new(kind, alpha).score(tensor))
    }

    #[track_caller]
    fn assert_scores(kind: FDivergenceType, alpha: f64, expected: [f64; 2]) {
        let scores = score(kind, alpha, &[0.0, 2f32.ln()]);
        for (score, expected) in scores.iter().zip(expected) {
            assert!(
                (score - expected).abs() < 1e-6,
                "{kind} {alpha}: {scores:?} vs {expected}"
            );
        }
    }

    #[test]
    fn scores_match_f_prime_of_the_ratio() {
        // u = 0 and ln 2 (t = 1 and 2). Reverse KL: log t.
        assert_scores(FDivergenceType::ReverseKl, 0.5, [0.0, 2f64.ln()]);
        // Forward KL: 1 - 1/t.
        assert_scores(FDivergenceType::ForwardKl, 0.5, [0.0, 0.5]);
        // JS: log(2t / (1 + t)).
        assert_scores(FDivergenceType::JsDivergence, 0.5, [0.0, (4f64 / 3.0).ln()]);
        // alpha = 0.5: (t^-0.5 - 1) / -0.5.
        assert_scores(
            FDivergenceType::AlphaDivergence,
            0.5,
            [0.0, 2.0 * (1.0 - 0.5f64.sqrt())],
        );
        // alpha = 1 is the reverse-KL limit.
        assert_scores(FDivergenceType::AlphaDivergence, 1.0, [0.0, 2f64.ln()]);
    }

    #[test]
    fn extreme_log_ratios_stay_finite() {
        for kind in [
            FDivergenceType::ForwardKl,
            FDivergenceType::JsDivergence,
            FDivergenceType::AlphaDivergence,
        ] {
            for alpha in [0.3, 2.0] {
                let scores = score(kind, alpha, &[-2e3, 2e3]);
                assert!(
                    scores.iter().all(|s| s.is_finite()),
                    "{kind} {alpha}: {scores:?}"
                );
            }
        }
    }

    #[test]
    fn validate_names_the_field() {
        let error = FDivergence::new(FDivergenceType::AlphaDivergence, 0.0)
            .validate()
            .unwrap_err();
        assert_eq!(error.field, "f_alpha_divergence_coef");
        assert!(
            FDivergence::new(FDivergenceType::ForwardKl, 0.0)
                .validate()
                .is_ok()
        );
        assert!(
            FDivergence::new(FDivergenceType::ReverseKl, f64::NAN)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn names_round_trip_through_serde() {
        for kind in [
            FDivergenceType::ReverseKl,
            FDivergenceType::ForwardKl,
            FDivergenceType::JsDivergence,
            FDivergenceType::AlphaDivergence,
        ] {
            let json = format!("\"{kind}\"");
            let parsed: FDivergenceType = serde_json::from_str(&json).unwrap();
            assert_eq!(parsed, kind);
        }
    }
}
