//! Test helpers.

use prefopt_core::burn::tensor::Device;
use prefopt_core::{PairLogps, PreferenceObjective};

/// Pairs from plain values; reference log-probs are zero (reference-free).
pub fn pairs(
    chosen: &[f32],
    rejected: &[f32],
    chosen_tokens: &[f32],
    rejected_tokens: &[f32],
) -> PairLogps {
    let zeros = vec![0.0; chosen.len()];
    PairLogps::from_values(
        chosen,
        rejected,
        &zeros,
        &zeros,
        chosen_tokens,
        rejected_tokens,
        &Device::default(),
    )
}

/// The loss as `f64`.
pub fn loss(objective: &dyn PreferenceObjective, pairs: &PairLogps) -> f64 {
    f64::from(objective.loss(pairs).loss.into_scalar::<f32>())
}

/// The value of a metric as `f64`.
pub fn metric(objective: &dyn PreferenceObjective, pairs: &PairLogps, name: &str) -> f64 {
    let output = objective.loss(pairs);
    f64::from(
        output
            .metrics
            .get(name)
            .expect(name)
            .clone()
            .into_scalar::<f32>(),
    )
}
