//! [`Summary`]: the median and spread of repeated timings.

use serde::Serialize;

/// Order statistics of a sample: minimum, quartiles, median and maximum, the quartiles by
/// linear interpolation between order statistics (NumPy's default `percentile`, Hyndman & Fan
/// 1996 definition 7).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// The number of values.
    pub count: usize,
    /// The smallest value.
    pub min: f64,
    /// The 25th percentile.
    pub q1: f64,
    /// The 50th percentile.
    pub median: f64,
    /// The 75th percentile.
    pub q3: f64,
    /// The largest value.
    pub max: f64,
}

impl Summary {
    /// The summary of `values`; `None` when there are none or one is not finite.
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() || values.iter().any(|value| !value.is_finite()) {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Self {
            count: sorted.len(),
            min: sorted[0],
            q1: quantile(&sorted, 0.25),
            median: quantile(&sorted, 0.5),
            q3: quantile(&sorted, 0.75),
            max: sorted[sorted.len() - 1],
        })
    }
}

/// The `p` quantile of ascending `sorted`: `x[h] + (h - floor h) (x[h+1] - x[h])` with
/// `h = (n - 1) p`.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * p;
    let low = h.floor() as usize;
    let high = (low + 1).min(sorted.len() - 1);
    sorted[low] + (h - low as f64) * (sorted[high] - sorted[low])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_interpolate_like_numpy() {
        // numpy.percentile([4, 1, 3, 2], [0, 25, 50, 75, 100]) = [1, 1.75, 2.5, 3.25, 4]
        let summary = Summary::of(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(
            (
                summary.min,
                summary.q1,
                summary.median,
                summary.q3,
                summary.max
            ),
            (1.0, 1.75, 2.5, 3.25, 4.0)
        );
        assert_eq!(summary.count, 4);
        let one = Summary::of(&[0.5]).unwrap();
        assert_eq!((one.min, one.median, one.max), (0.5, 0.5, 0.5));
    }

    #[test]
    fn empty_or_non_finite_samples_have_no_summary() {
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[1.0, f64::NAN]), None);
    }
}
