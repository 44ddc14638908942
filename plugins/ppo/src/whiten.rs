//! Weighted means, variances and whitening on host values, as TRL's `masked_mean`,
//! `masked_var` and `masked_whiten`, with a weight per value instead of a 0/1 mask.
//!
//! Sampled rollouts weigh every real token alike (TRL's masks exactly, Bessel's correction
//! included); population rollouts weigh each completion by its probability, and their statistics
//! are the exact ones of that distribution (no correction: nothing was sampled).

/// The variance floor of [`whiten`]: TRL's `rsqrt(var + 1e-8)`.
pub const WHITEN_EPSILON: f64 = 1e-8;

/// `sum_i w_i v_i / sum_i w_i` (0 when every weight is 0).
pub fn weighted_mean(values: &[f64], weights: &[f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total
}

/// `sum_i w_i (v_i - mean)^2 / sum_i w_i`, times Bessel's `n / (n - 1)` over the `n` values of
/// positive weight when `unbiased` (TRL's `masked_var(unbiased=True)`; left out for `n < 2`,
/// where it is undefined).
pub fn weighted_variance(values: &[f64], weights: &[f64], unbiased: bool) -> f64 {
    let mean = weighted_mean(values, weights);
    let squares: Vec<f64> = values.iter().map(|v| (v - mean) * (v - mean)).collect();
    let variance = weighted_mean(&squares, weights);
    let count = weights.iter().filter(|w| **w > 0.0).count() as f64;
    if unbiased && count > 1.0 {
        variance * count / (count - 1.0)
    } else {
        variance
    }
}

/// `(v - mean) / sqrt(var + 1e-8)` (plus `mean` again unless `shift_mean`), 0 where the weight
/// is 0: TRL's `masked_whiten` followed by its `masked_fill(padding, 0)`.
pub fn whiten(values: &[f64], weights: &[f64], unbiased: bool, shift_mean: bool) -> Vec<f64> {
    let mean = weighted_mean(values, weights);
    let scale = 1.0 / (weighted_variance(values, weights, unbiased) + WHITEN_EPSILON).sqrt();
    values
        .iter()
        .zip(weights)
        .map(|(v, w)| {
            if *w > 0.0 {
                let centred = (v - mean) * scale;
                if shift_mean { centred } else { centred + mean }
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unweighted_masks_match_torch() {
        // torch: v = [1, 2, 4, 100], mask = [1, 1, 1, 0]; mean 7/3, var unbiased = 7/3.
        let values = [1.0, 2.0, 4.0, 100.0];
        let mask = [1.0, 1.0, 1.0, 0.0];
        assert!((weighted_mean(&values, &mask) - 7.0 / 3.0).abs() < 1e-15);
        assert!((weighted_variance(&values, &mask, true) - 7.0 / 3.0).abs() < 1e-12);
        assert!((weighted_variance(&values, &mask, false) - 14.0 / 9.0).abs() < 1e-12);
        let white = whiten(&values, &mask, true, true);
        let scale = 1.0 / (7.0f64 / 3.0 + 1e-8).sqrt();
        assert!((white[0] - (1.0 - 7.0 / 3.0) * scale).abs() < 1e-12);
        assert_eq!(white[3], 0.0);
        let kept = whiten(&values, &mask, true, false);
        assert!((kept[2] - ((4.0 - 7.0 / 3.0) * scale + 7.0 / 3.0)).abs() < 1e-12);
    }

    #[test]
    fn probability_weights_give_the_distribution_moments() {
        // A value 0 with probability 0.75 and 4 with 0.25: mean 1, variance 3.
        let values = [0.0, 4.0];
        let weights = [0.75, 0.25];
        assert!((weighted_mean(&values, &weights) - 1.0).abs() < 1e-15);
        assert!((weighted_variance(&values, &weights, false) - 3.0).abs() < 1e-15);
    }

    #[test]
    fn constant_values_whiten_to_zero_without_dividing_by_zero() {
        let white = whiten(&[2.5, 2.5, 2.5], &[1.0, 1.0, 1.0], true, true);
        assert!(white.iter().all(|v| *v == 0.0), "{white:?}");
        assert_eq!(weighted_variance(&[3.0], &[1.0], true), 0.0);
        assert_eq!(weighted_mean(&[3.0], &[0.0]), 0.0);
    }
}
