//! Monte-Carlo estimates of the partition function on output spaces too large to enumerate
//! (token sequences), with standard errors.
//!
//! With `N` completions `y_1..y_N ~ pi_ref(.|x)` and their rewards, the partition function of
//! the KL-regularized optimum (Rafailov et al. 2023, arXiv:2305.18290, eq. 4)
//!
//! `Z(x) = sum_y pi_ref(y|x) exp(r(x,y)/beta) = E_{y~pi_ref}[exp(r(x,y)/beta)]`
//!
//! is estimated without bias by the mean weight `Z_hat = (1/N) sum_i w_i`, `w_i =
//! exp(r(x,y_i)/beta)`, and its logarithm by `log Z_hat = logsumexp_i(r_i/beta) - log N`. The
//! logarithm is concave, so by Jensen's inequality `E[log Z_hat] <= log E[Z_hat] = log Z`: the
//! log estimate is biased low. A second-order Taylor expansion of `log` around `Z` (the delta
//! method) gives the bias `E[log Z_hat] - log Z ~ -Var(w) / (2 N E[w]^2)` and the standard error
//! `sd(log Z_hat) ~ sd(w) / (sqrt(N) E[w])`; both shrink with `N` (the bias as `1/N`, the error as
//! `1/sqrt(N)`), and both are large when a few completions carry most of the weight (small beta,
//! rare high rewards). Everything is computed in `f64` from weights normalized by their largest,
//! `exp(r_i/beta - max_j r_j/beta)`, so `r/beta = 1e4` stays finite.

use prefopt_core::PrefoptError;

/// A Monte-Carlo estimate and its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate.
    pub value: f64,
    /// Its standard error (the standard deviation of the estimator, itself estimated); infinite
    /// when a single draw leaves it unknown.
    pub std_err: f64,
}

impl Estimate {
    /// The normal-approximation interval `value -/+ z * std_err` (`z = 1.96`: 95%).
    pub fn interval(&self, z: f64) -> (f64, f64) {
        (self.value - z * self.std_err, self.value + z * self.std_err)
    }

    /// Whether `truth` lies within `value -/+ z * std_err`.
    pub fn covers(&self, truth: f64, z: f64) -> bool {
        (self.value - truth).abs() <= z * self.std_err
    }

    /// The sum of two estimates with independent errors: the values add, and so do the
    /// variances.
    pub fn plus_independent(&self, other: &Estimate) -> Estimate {
        Estimate {
            value: self.value + other.value,
            std_err: self.std_err.hypot(other.std_err),
        }
    }
}

/// The Monte-Carlo estimate of `log Z(x)` from reference samples, with its bias.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogPartitionEstimate {
    /// `log Z_hat = logsumexp_i(r_i/beta) - log N` and its delta-method standard error
    /// `sd(w) / (sqrt(N) mean(w))`.
    pub estimate: Estimate,
    /// The estimated first-order bias of `log Z_hat`, `-Var(w) / (2 N mean(w)^2) =
    /// -std_err^2 / 2` (Jensen: never positive).
    pub bias: f64,
    /// The number of reference samples.
    pub samples: usize,
}

impl LogPartitionEstimate {
    /// `log Z_hat - bias`: the estimate with its first-order bias removed (what remains is of
    /// order `1/N^2`), with the same standard error.
    pub fn corrected(&self) -> Estimate {
        Estimate {
            value: self.estimate.value - self.bias,
            std_err: self.estimate.std_err,
        }
    }
}

/// `log Z(x)` from the rewards `r(x, y_i)` of `N` completions `y_i ~ pi_ref(.|x)` at KL
/// coefficient `beta` (see the module docs for the formulas and the bias).
///
/// # Errors
/// No rewards, a reward that is not finite (naming its index), or a `beta` that is not a
/// finite number > 0.
pub fn log_partition_estimate(
    reference_rewards: &[f64],
    beta: f64,
) -> Result<LogPartitionEstimate, PrefoptError> {
    check_beta(beta)?;
    if reference_rewards.is_empty() {
        return Err(PrefoptError::Data(
            "log Z estimate: no reference sample; it needs at least one".into(),
        ));
    }
    check_finite(
        "log Z estimate: reward of reference sample",
        reference_rewards,
    )?;
    let scaled: Vec<f64> = reference_rewards.iter().map(|r| r / beta).collect();
    if let Some(index) = scaled.iter().position(|v| !v.is_finite()) {
        return Err(PrefoptError::Numerical(format!(
            "log Z estimate: reward / beta of reference sample {index} is {} / {beta}, beyond \
             f64",
            reference_rewards[index]
        )));
    }
    let max = scaled.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = scaled.iter().map(|v| (v - max).exp()).collect();
    let (mean, variance) = mean_and_variance(&weights);
    let count = weights.len();
    // The largest weight is 1, so `mean >= 1/N > 0`: the logarithm and the ratio are finite.
    let std_err = if count < 2 {
        f64::INFINITY
    } else {
        variance.sqrt() / ((count as f64).sqrt() * mean)
    };
    Ok(LogPartitionEstimate {
        estimate: Estimate {
            value: max + mean.ln(),
            std_err,
        },
        bias: -0.5 * std_err * std_err,
        samples: count,
    })
}

/// The mean of `values` and its standard error `sd / sqrt(n)` (infinite for one value).
///
/// # Errors
/// No values, or a value that is not finite (naming its index).
pub fn mean_estimate(values: &[f64]) -> Result<Estimate, PrefoptError> {
    if values.is_empty() {
        return Err(PrefoptError::Data("a mean of no samples".into()));
    }
    check_finite("sample", values)?;
    let (mean, variance) = mean_and_variance(values);
    Ok(Estimate {
        value: mean,
        std_err: if values.len() < 2 {
            f64::INFINITY
        } else {
            (variance / values.len() as f64).sqrt()
        },
    })
}

/// The mean over groups of each group's mean (every group weighted equally), with its standard
/// error. When every group has two samples or more the error is the stratified one,
/// `sqrt(sum_g s_g^2 / n_g) / G`; otherwise (some group has one sample) the samples are pooled,
/// each weighted `1 / (G n_g)`, and the error is that of a weighted mean,
/// `sqrt(n / (n - 1) sum_i w_i^2 (v_i - mean)^2)`, which also counts the spread between groups
/// (conservative for a fixed set of groups). Empty groups are left out.
///
/// # Errors
/// No sample in any group, or a sample that is not finite.
pub fn mean_of_group_means(groups: &[Vec<f64>]) -> Result<Estimate, PrefoptError> {
    let groups: Vec<&Vec<f64>> = groups.iter().filter(|group| !group.is_empty()).collect();
    if groups.is_empty() {
        return Err(PrefoptError::Data(
            "a mean over groups with no sample".into(),
        ));
    }
    for group in &groups {
        check_finite("sample", group)?;
    }
    let count = groups.len() as f64;
    let value = groups
        .iter()
        .map(|group| mean_and_variance(group).0)
        .sum::<f64>()
        / count;
    let std_err = if groups.iter().all(|group| group.len() >= 2) {
        groups
            .iter()
            .map(|group| mean_and_variance(group).1 / group.len() as f64)
            .sum::<f64>()
            .sqrt()
            / count
    } else {
        let samples: usize = groups.iter().map(|group| group.len()).sum();
        if samples < 2 {
            f64::INFINITY
        } else {
            let spread: f64 = groups
                .iter()
                .flat_map(|group| {
                    let weight = 1.0 / (count * group.len() as f64);
                    group.iter().map(move |v| (weight * (v - value)).powi(2))
                })
                .sum();
            (spread * samples as f64 / (samples as f64 - 1.0)).sqrt()
        }
    };
    Ok(Estimate { value, std_err })
}

/// The mean and the unbiased sample variance (0 for one value), by Welford's update.
fn mean_and_variance(values: &[f64]) -> (f64, f64) {
    let mut mean = 0.0;
    let mut squares = 0.0;
    for (index, value) in values.iter().enumerate() {
        let delta = value - mean;
        mean += delta / (index + 1) as f64;
        squares += delta * (value - mean);
    }
    let variance = if values.len() < 2 {
        0.0
    } else {
        squares / (values.len() - 1) as f64
    };
    (mean, variance)
}

/// Refuses a `beta` that is not a finite number > 0.
pub(crate) fn check_beta(beta: f64) -> Result<(), PrefoptError> {
    if beta.is_finite() && beta > 0.0 {
        Ok(())
    } else {
        Err(PrefoptError::Numerical(format!(
            "Monte-Carlo estimate: beta must be a finite number > 0, got {beta}"
        )))
    }
}

/// Refuses a value that is not finite, naming `what` and its index.
pub(crate) fn check_finite(what: &str, values: &[f64]) -> Result<(), PrefoptError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(PrefoptError::Numerical(format!(
            "{what} {index} is {}, not a finite number",
            values[index]
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_partition_by_hand() {
        // beta = 1, r = (0, ln 3): w = (1, 3), Z_hat = 2, sd(w) = sqrt(2),
        // SE = sqrt(2) / (sqrt(2) * 2) = 0.5, bias = -0.125.
        let estimate = log_partition_estimate(&[0.0, 3f64.ln()], 1.0).unwrap();
        assert!((estimate.estimate.value - 2f64.ln()).abs() < 1e-12);
        assert!((estimate.estimate.std_err - 0.5).abs() < 1e-12);
        assert!((estimate.bias + 0.125).abs() < 1e-12);
        assert!((estimate.corrected().value - (2f64.ln() + 0.125)).abs() < 1e-12);
        assert_eq!(estimate.samples, 2);
        // beta = 2 halves r/beta: r = (0, 2 ln 3) gives the same weights.
        let halved = log_partition_estimate(&[0.0, 2.0 * 3f64.ln()], 2.0).unwrap();
        assert!((halved.estimate.value - 2f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn equal_rewards_are_exact() {
        let estimate = log_partition_estimate(&[0.7; 5], 0.1).unwrap();
        assert!((estimate.estimate.value - 7.0).abs() < 1e-12);
        assert_eq!(estimate.estimate.std_err, 0.0);
        assert_eq!(estimate.bias, 0.0);
    }

    #[test]
    fn extreme_rewards_stay_finite() {
        // r/beta = 1e4 and -1e4: the large weight dominates, log Z_hat = 1e4 - ln 2.
        let estimate = log_partition_estimate(&[1.0, -1.0], 1e-4).unwrap();
        assert!((estimate.estimate.value - (1e4 - 2f64.ln())).abs() < 1e-9);
        // w = (1, ~0): sd = 1/sqrt(2), mean = 1/2, SE = (1/sqrt 2) / (sqrt 2 / 2) = 1.
        assert!((estimate.estimate.std_err - 1.0).abs() < 1e-12);
        let huge = log_partition_estimate(&[1e4; 3], 1.0).unwrap();
        assert!((huge.estimate.value - 1e4).abs() < 1e-9);
        assert!(huge.corrected().value.is_finite());
    }

    #[test]
    fn one_sample_has_an_unknown_error_and_bad_input_is_named() {
        let one = log_partition_estimate(&[0.5], 1.0).unwrap();
        assert_eq!(one.estimate.value, 0.5);
        assert_eq!(one.estimate.std_err, f64::INFINITY);
        let error = log_partition_estimate(&[0.0, f64::NAN], 1.0).unwrap_err();
        assert!(error.to_string().contains("reference sample 1"), "{error}");
        assert!(log_partition_estimate(&[], 1.0).is_err());
        assert!(log_partition_estimate(&[0.0], 0.0).is_err());
        assert!(log_partition_estimate(&[1e300, 0.0], 1e-300).is_err());
    }

    #[test]
    fn means_by_hand() {
        // (1, 2, 3, 6): mean 3, s^2 = (4 + 1 + 0 + 9) / 3 = 14/3, SE = sqrt(14/12).
        let estimate = mean_estimate(&[1.0, 2.0, 3.0, 6.0]).unwrap();
        assert!((estimate.value - 3.0).abs() < 1e-12);
        assert!((estimate.std_err - (14.0f64 / 12.0).sqrt()).abs() < 1e-12);
        assert!(estimate.covers(3.0 + 1.9 * estimate.std_err, 1.96));
        assert!(!estimate.covers(3.0 + 2.0 * estimate.std_err, 1.96));
    }

    #[test]
    fn group_means_by_hand() {
        // Groups (1, 3) and (10, 10, 13): means 2 and 11, value 6.5; s^2 = 2 and 3,
        // SE = sqrt(2/2 + 3/3) / 2 = sqrt(2) / 2.
        let stratified = mean_of_group_means(&[vec![1.0, 3.0], vec![10.0, 10.0, 13.0]]).unwrap();
        assert!((stratified.value - 6.5).abs() < 1e-12);
        assert!((stratified.std_err - 2f64.sqrt() / 2.0).abs() < 1e-12);
        // One sample per group: the pooled mean's error, sd / sqrt(n) of (1, 3, 8).
        let pooled = mean_of_group_means(&[vec![1.0], vec![3.0], vec![8.0], vec![]]).unwrap();
        let plain = mean_estimate(&[1.0, 3.0, 8.0]).unwrap();
        assert!((pooled.value - 4.0).abs() < 1e-12);
        assert!((pooled.std_err - plain.std_err).abs() < 1e-12);
        assert!(mean_of_group_means(&[vec![], vec![]]).is_err());
    }

    #[test]
    fn independent_errors_add_in_quadrature() {
        let sum = Estimate {
            value: 1.0,
            std_err: 3.0,
        }
        .plus_independent(&Estimate {
            value: 2.0,
            std_err: 4.0,
        });
        assert_eq!((sum.value, sum.std_err), (3.0, 5.0));
        assert_eq!(sum.interval(1.0), (-2.0, 8.0));
    }
}
