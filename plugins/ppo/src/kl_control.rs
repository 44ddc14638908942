//! The KL coefficient: fixed, or steered towards a target KL (Ziegler et al. 2019,
//! arXiv:1909.08593, §2.2; TRL's former `AdaptiveKLController`).

use prefopt_core::ConfigError;
use serde::{Deserialize, Serialize};

/// The adaptive controller's settings (`[algorithm.adaptive_kl]`): TRL's former defaults,
/// `target = 6`, `horizon = 10000`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdaptiveKl {
    /// The KL to the reference (summed over a completion's tokens) the controller steers to.
    pub target: f64,
    /// How many completions it takes the coefficient to move by the clipped error.
    pub horizon: f64,
}

impl Default for AdaptiveKl {
    fn default() -> Self {
        Self {
            target: 6.0,
            horizon: 10000.0,
        }
    }
}

impl AdaptiveKl {
    /// Rejects a target or horizon that is not a positive finite number.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (field, value) in [("target", self.target), ("horizon", self.horizon)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(ConfigError::new(
                    field,
                    format!("must be a finite number > 0, got {value}"),
                ));
            }
        }
        Ok(())
    }
}

/// The current KL coefficient beta and how it moves.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KlController {
    /// beta now.
    pub value: f64,
    /// `None`: beta stays fixed.
    pub adaptive: Option<AdaptiveKl>,
}

impl KlController {
    /// Starts at `value`.
    pub fn new(value: f64, adaptive: Option<AdaptiveKl>) -> Self {
        Self { value, adaptive }
    }

    /// After a batch of `completions` whose mean KL to the reference was `kl`: with an adaptive
    /// controller, `e = clip(kl / target - 1, -0.2, 0.2)` and
    /// `beta <- beta (1 + e * completions / horizon)`; a fixed one does nothing.
    pub fn update(&mut self, kl: f64, completions: usize) {
        if let Some(adaptive) = self.adaptive {
            let error = (kl / adaptive.target - 1.0).clamp(-0.2, 0.2);
            self.value *= 1.0 + error * completions as f64 / adaptive.horizon;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_stays_and_adaptive_moves_by_the_clipped_error() {
        let mut fixed = KlController::new(0.05, None);
        fixed.update(100.0, 64);
        assert_eq!(fixed.value, 0.05);
        let adaptive = AdaptiveKl {
            target: 6.0,
            horizon: 10000.0,
        };
        let mut above = KlController::new(0.2, Some(adaptive));
        // KL 12: error clipped to 0.2; beta * (1 + 0.2 * 64 / 10000).
        above.update(12.0, 64);
        assert!((above.value - 0.2 * (1.0 + 0.2 * 64.0 / 10000.0)).abs() < 1e-15);
        let mut below = KlController::new(0.2, Some(adaptive));
        // KL 5.4: error -0.1.
        below.update(5.4, 100);
        assert!((below.value - 0.2 * (1.0 - 0.1 * 100.0 / 10000.0)).abs() < 1e-15);
    }

    #[test]
    fn bad_settings_name_the_field() {
        let error = AdaptiveKl {
            target: 0.0,
            horizon: 1.0,
        }
        .validate()
        .unwrap_err();
        assert_eq!(error.field, "target");
    }
}
