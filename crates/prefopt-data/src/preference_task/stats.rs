//! Token length distributions, for the preparation report.

use std::fmt;

/// The distribution of a set of token lengths.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LengthStats {
    /// How many lengths.
    pub count: usize,
    /// The shortest.
    pub min: usize,
    /// The median (the lower middle value of an even count).
    pub median: usize,
    /// The 90th percentile (nearest rank).
    pub p90: usize,
    /// The longest.
    pub max: usize,
    /// The mean.
    pub mean: f64,
}

impl LengthStats {
    /// The distribution of `lengths` (all zero when empty).
    pub fn of(lengths: &[usize]) -> Self {
        if lengths.is_empty() {
            return Self::default();
        }
        let mut sorted = lengths.to_vec();
        sorted.sort_unstable();
        let n = sorted.len();
        let rank = |fraction: f64| sorted[((fraction * n as f64).ceil() as usize).clamp(1, n) - 1];
        Self {
            count: n,
            min: sorted[0],
            median: rank(0.5),
            p90: rank(0.9),
            max: sorted[n - 1],
            mean: sorted.iter().sum::<usize>() as f64 / n as f64,
        }
    }
}

impl fmt::Display for LengthStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "min {} / median {} / p90 {} / max {} / mean {:.1} (n = {})",
            self.min, self.median, self.p90, self.max, self.mean, self.count
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let stats = LengthStats::of(&[5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
        assert_eq!(
            (stats.min, stats.median, stats.p90, stats.max),
            (1, 5, 9, 10)
        );
        assert_eq!(stats.mean, 5.5);
        assert_eq!(LengthStats::of(&[]), LengthStats::default());
        let one = LengthStats::of(&[7]);
        assert_eq!((one.min, one.median, one.p90, one.max), (7, 7, 7, 7));
    }
}
