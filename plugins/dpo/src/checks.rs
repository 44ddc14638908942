//! Knob checks shared by the objectives' `validate()`.

use prefopt_core::ConfigError;

/// Checks a label-flip probability in `[0, 0.5)` (cDPO, Robust DPO, AOT): at 0.5 the labels
/// carry no information, above it they are read backwards.
pub fn flip_rate(field: &str, value: f64) -> Result<(), ConfigError> {
    if (0.0..0.5).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!(
                "must be in [0, 0.5) (the assumed probability that a label is flipped), got {value}"
            ),
        ))
    }
}

/// Checks a finite value `>= 0` (a weight).
pub fn non_negative(field: &str, value: f64) -> Result<(), ConfigError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!("must be a finite number >= 0, got {value}"),
        ))
    }
}

/// Checks a finite value.
pub fn finite(field: &str, value: f64) -> Result<(), ConfigError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!("must be finite, got {value}"),
        ))
    }
}

/// Checks a strictly positive, finite value.
pub fn positive(field: &str, value: f64, what: &str) -> Result<(), ConfigError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!("must be a finite number > 0 ({what}), got {value}"),
        ))
    }
}
