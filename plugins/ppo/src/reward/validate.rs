//! Checks shared by the reward-model configs.

use prefopt_core::{ConfigError, fits_f32};

/// Refuses a learning rate, batch size, margin, centering coefficient or held-out fraction a
/// Bradley–Terry fit cannot use, naming the field.
pub fn check_fit(
    lr: f64,
    batch_size: usize,
    margin: Option<f64>,
    center_rewards_coefficient: Option<f64>,
    eval_fraction: f64,
) -> Result<(), ConfigError> {
    if !(lr.is_finite() && lr > 0.0) {
        return Err(ConfigError::new("lr", format!("must be > 0, got {lr}")));
    }
    fits_f32("lr", lr)?;
    if batch_size == 0 {
        return Err(ConfigError::new("batch_size", "must be at least 1"));
    }
    if let Some(margin) = margin {
        if !margin.is_finite() {
            return Err(ConfigError::new(
                "margin",
                format!("must be finite, got {margin}"),
            ));
        }
        fits_f32("margin", margin)?;
    }
    if let Some(coefficient) = center_rewards_coefficient {
        if !(coefficient.is_finite() && coefficient >= 0.0) {
            return Err(ConfigError::new(
                "center_rewards_coefficient",
                format!("must be a finite number >= 0, got {coefficient}"),
            ));
        }
        fits_f32("center_rewards_coefficient", coefficient)?;
    }
    if !(0.0..1.0).contains(&eval_fraction) {
        return Err(ConfigError::new(
            "eval_fraction",
            format!("must be in [0, 1), got {eval_fraction}"),
        ));
    }
    Ok(())
}
