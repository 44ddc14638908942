//! Helpers for the unit tests beside each objective.

use prefopt_core::burn::tensor::{Device, Tensor};
use prefopt_core::{PairLogps, PreferenceObjective};

/// Pair log-probs on the default device from plain values.
pub fn pairs(pc: &[f32], pr: &[f32], rc: &[f32], rr: &[f32], tc: &[f32], tr: &[f32]) -> PairLogps {
    PairLogps::from_values(pc, pr, rc, rr, tc, tr, &Device::default())
}

/// One pair with one token on each side: policy log-probs `pc`, `pr`, reference 0.
pub fn one_pair(pc: f32, pr: f32) -> PairLogps {
    pairs(&[pc], &[pr], &[0.0], &[0.0], &[1.0], &[1.0])
}

/// A tensor's values as `f64`.
pub fn values(tensor: Tensor<1>) -> Vec<f64> {
    let values: Vec<f32> = tensor.into_data().try_into_vec().expect("f32 tensor");
    values.into_iter().map(f64::from).collect()
}

/// The scalar loss of `objective` on `pairs`.
pub fn loss(objective: &dyn PreferenceObjective, pairs: &PairLogps) -> f64 {
    values(objective.loss(pairs).loss)[0]
}

/// Asserts `actual` is within `1e-5` (absolute) or `1e-5` relative of `expected`.
#[track_caller]
pub fn assert_close(actual: f64, expected: f64) {
    let error = (actual - expected).abs();
    assert!(
        error <= 1e-5 || error <= 1e-5 * expected.abs(),
        "got {actual}, expected {expected}"
    );
}
