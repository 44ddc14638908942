//! Small log-space helpers on host values.

/// `log sum_i exp(values_i)`, stable for any finite input (`-inf` for an empty slice or all
/// `-inf`, `+inf` if any value is `+inf`).
pub fn log_sum_exp(values: &[f64]) -> f64 {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max.is_infinite() {
        return max;
    }
    max + values.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
}

/// `log softmax(values)`: each value minus [`log_sum_exp`] of all.
pub fn log_softmax(values: &[f64]) -> Vec<f64> {
    let log_z = log_sum_exp(values);
    values.iter().map(|v| v - log_z).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        assert!((log_sum_exp(&[0.0, 0.0]) - 2f64.ln()).abs() < 1e-15);
        assert_eq!(log_sum_exp(&[]), f64::NEG_INFINITY);
        assert!((log_sum_exp(&[1000.0, 1000.0]) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        let p = log_softmax(&[1.0, 2.0, 3.0]);
        assert!((p.iter().map(|v| v.exp()).sum::<f64>() - 1.0).abs() < 1e-15);
    }
}
