//! Checks shared by the on-policy algorithms' configs; each error names the field.

use crate::kl_control::AdaptiveKl;
use crate::rollout::RolloutMode;
use prefopt_core::{ConfigError, SamplingOptions, fits_f32};

/// A finite number > 0 that fits f32.
pub fn positive(field: &str, value: f64) -> Result<(), ConfigError> {
    if !(value.is_finite() && value > 0.0) {
        return Err(ConfigError::new(
            field,
            format!("must be a finite number > 0, got {value}"),
        ));
    }
    fits_f32(field, value)
}

/// A finite number >= 0 that fits f32.
pub fn non_negative(field: &str, value: f64) -> Result<(), ConfigError> {
    if !(value.is_finite() && value >= 0.0) {
        return Err(ConfigError::new(
            field,
            format!("must be a finite number >= 0, got {value}"),
        ));
    }
    fits_f32(field, value)
}

/// A number in [0, 1].
pub fn unit_interval(field: &str, value: f64) -> Result<(), ConfigError> {
    if !(0.0..=1.0).contains(&value) {
        return Err(ConfigError::new(
            field,
            format!("must be in [0, 1], got {value}"),
        ));
    }
    Ok(())
}

/// A count of at least 1.
pub fn at_least_one(field: &str, value: usize) -> Result<(), ConfigError> {
    if value == 0 {
        return Err(ConfigError::new(field, "must be at least 1"));
    }
    Ok(())
}

/// A group of at least 2 completions per prompt (`num_generations`, GRPO's and RLOO's); `why`
/// says what needs two, and the error adds the value given.
pub fn group_size(num_generations: usize, why: &str) -> Result<(), ConfigError> {
    if num_generations < 2 {
        return Err(ConfigError::new(
            "num_generations",
            format!("{why}, got {num_generations}"),
        ));
    }
    Ok(())
}

/// The clipped-surrogate updates of GRPO and RLOO (TRL's names): `epsilon` and `epsilon_high`
/// (when given) > 0, at least one pass (`num_iterations`) and one minibatch
/// (`steps_per_generation`), `entropy_coef` >= 0; checked in that order.
pub fn clipped_updates(
    epsilon: f64,
    epsilon_high: Option<f64>,
    num_iterations: usize,
    steps_per_generation: usize,
    entropy_coef: f64,
) -> Result<(), ConfigError> {
    positive("epsilon", epsilon)?;
    if let Some(high) = epsilon_high {
        positive("epsilon_high", high)?;
    }
    at_least_one("num_iterations", num_iterations)?;
    at_least_one("steps_per_generation", steps_per_generation)?;
    non_negative("entropy_coef", entropy_coef)
}

/// The KL coefficient: >= 0, and > 0 with an adaptive controller (which multiplies it, so 0
/// would stay 0).
pub fn kl_coef(value: f64, adaptive: Option<&AdaptiveKl>) -> Result<(), ConfigError> {
    non_negative("kl_coef", value)?;
    if let Some(adaptive) = adaptive {
        if value <= 0.0 {
            return Err(ConfigError::new(
                "kl_coef",
                format!(
                    "must be > 0 with an adaptive controller (`adaptive_kl`), which multiplies \
                     it: from {value} it could never move; got {value}"
                ),
            ));
        }
        adaptive
            .validate()
            .map_err(|e| ConfigError::new(format!("adaptive_kl.{}", e.field), e.message))?;
    }
    Ok(())
}

/// Sampled rollouts split into whole groups of `per_prompt` completions (`per_prompt_field`
/// names the group size).
pub fn rollouts(
    mode: RolloutMode,
    per_prompt: usize,
    per_prompt_field: &str,
) -> Result<(), ConfigError> {
    if let RolloutMode::Sampled(total) = mode
        && total % per_prompt != 0
    {
        return Err(ConfigError::new(
            "rollouts",
            format!(
                "{total} completions do not split into groups of `{per_prompt_field}` = \
                 {per_prompt}: give a multiple of {per_prompt}"
            ),
        ));
    }
    Ok(())
}

/// Generation settings whose completions are the policy's own samples: the importance ratios
/// and KL estimates use the policy's log-probs at temperature 1, so sampling must be at
/// temperature 1 without truncation.
pub fn sampling(options: Option<&SamplingOptions>) -> Result<(), ConfigError> {
    let Some(options) = options else {
        return Ok(());
    };
    options
        .validate()
        .map_err(|e| ConfigError::new(format!("sampling.{}", e.field), e.message))?;
    if options.temperature != 1.0 || options.top_k.is_some() || options.top_p.is_some() {
        return Err(ConfigError::new(
            "sampling",
            "on-policy updates need completions drawn from the policy itself: temperature 1, \
             no top_k, no top_p (the ratios and KL estimates use the policy's own log-probs)",
        ));
    }
    Ok(())
}
