//! Monte-Carlo estimates of a policy's KL divergences to the reference and to the optimum, from
//! its own sampled completions, with standard errors.
//!
//! For completions `y ~ pi(.|x)` of prompts `x` (each prompt weighted equally):
//!
//! * `KL(pi || pi_ref) = E_x E_{y~pi}[log pi(y|x) - log pi_ref(y|x)]`, the mean of the
//!   sequence-level log-ratio (Schulman's k1, unbiased);
//! * `KL(pi || pi*) = E_x [E_{y~pi}[log pi(y|x) - log pi_ref(y|x) - r(x,y)/beta] + log Z(x)]`,
//!   since `log pi*(y|x) = log pi_ref(y|x) + r(x,y)/beta - log Z(x)` (Rafailov et al. 2023,
//!   arXiv:2305.18290, eq. 4), with `log Z(x)` estimated from that prompt's reference samples
//!   ([`crate::monte_carlo::log_partition_estimate`]). The policy's and the reference's samples
//!   are drawn independently, so the two errors add in variance.
//!
//! The `log Z` term carries the estimator's Jensen bias (low, of order `1/N`); pass
//! [`LogPartitionEstimate::corrected`](crate::monte_carlo::LogPartitionEstimate::corrected) to
//! remove its first order.

use crate::monte_carlo::{Estimate, check_beta, mean_of_group_means};
use prefopt_core::PrefoptError;

/// One completion `y ~ pi(.|x)` of the evaluated policy, with what the estimators need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolicySample {
    /// The index of its prompt `x`.
    pub prompt: usize,
    /// `log pi(y|x)`, summed over the completion's tokens.
    pub logp: f64,
    /// `log pi_ref(y|x)`, summed over the completion's tokens.
    pub reference_logp: f64,
    /// The true reward `r(x, y)`.
    pub reward: f64,
}

/// `KL(pi || pi_ref)` averaged over the prompts that have samples: the mean over prompts of the
/// mean of `log pi(y|x) - log pi_ref(y|x)`, with its standard error
/// ([`mean_of_group_means`]; `sd / sqrt(n)` when every prompt has as many samples and the
/// samples are pooled).
///
/// # Errors
/// No sample, or a log-probability that is not finite (naming the sample).
pub fn kl_to_reference(samples: &[PolicySample]) -> Result<Estimate, PrefoptError> {
    check_samples(samples)?;
    mean_of_group_means(&grouped(samples, |sample| {
        sample.logp - sample.reference_logp
    }))
    .map_err(|error| PrefoptError::Numerical(format!("KL(pi || pi_ref) estimate: {error}")))
}

/// `KL(pi || pi*)` at KL coefficient `beta`, averaged over the prompts that have samples:
/// the mean over those prompts of `mean(log pi - log pi_ref - r/beta) + log Z(x)`, where
/// `log_partitions[x]` is prompt `x`'s estimate of `log Z(x)`. Its standard error adds the
/// variance of the policy term ([`mean_of_group_means`]) and that of the mean `log Z`,
/// `sum_x se_x^2 / X^2`.
///
/// # Errors
/// No sample, a sample whose prompt has no `log Z` estimate, a value that is not finite, or a
/// `beta` that is not a finite number > 0.
pub fn kl_to_optimal(
    samples: &[PolicySample],
    log_partitions: &[Estimate],
    beta: f64,
) -> Result<Estimate, PrefoptError> {
    check_beta(beta)?;
    check_samples(samples)?;
    if let Some(sample) = samples.iter().find(|s| s.prompt >= log_partitions.len()) {
        return Err(PrefoptError::Data(format!(
            "KL(pi || pi*) estimate: a sample of prompt {} but log Z estimates for {} prompts",
            sample.prompt,
            log_partitions.len()
        )));
    }
    if let Some((index, value)) = samples
        .iter()
        .enumerate()
        .find(|(_, sample)| !(sample.reward / beta).is_finite())
    {
        return Err(PrefoptError::Numerical(format!(
            "KL(pi || pi*) estimate: reward / beta of sample {index} is {} / {beta}, not finite",
            value.reward
        )));
    }
    let groups = grouped(samples, |sample| {
        sample.logp - sample.reference_logp - sample.reward / beta
    });
    let policy_term = mean_of_group_means(&groups)
        .map_err(|error| PrefoptError::Numerical(format!("KL(pi || pi*) estimate: {error}")))?;
    let used: Vec<&Estimate> = groups
        .iter()
        .zip(log_partitions)
        .filter(|(group, _)| !group.is_empty())
        .map(|(_, log_z)| log_z)
        .collect();
    if let Some(log_z) = used
        .iter()
        .find(|log_z| !log_z.value.is_finite() || log_z.std_err.is_nan())
    {
        return Err(PrefoptError::Numerical(format!(
            "KL(pi || pi*) estimate: a log Z estimate is {log_z:?}"
        )));
    }
    let count = used.len() as f64;
    let partition_term = Estimate {
        value: used.iter().map(|log_z| log_z.value).sum::<f64>() / count,
        std_err: used
            .iter()
            .map(|log_z| log_z.std_err * log_z.std_err)
            .sum::<f64>()
            .sqrt()
            / count,
    };
    Ok(policy_term.plus_independent(&partition_term))
}

/// `value(sample)` grouped by prompt, indexed by prompt.
fn grouped(samples: &[PolicySample], value: impl Fn(&PolicySample) -> f64) -> Vec<Vec<f64>> {
    let prompts = samples.iter().map(|s| s.prompt + 1).max().unwrap_or(0);
    let mut groups = vec![Vec::new(); prompts];
    for sample in samples {
        groups[sample.prompt].push(value(sample));
    }
    groups
}

/// Refuses no samples and log-probabilities or rewards that are not finite.
fn check_samples(samples: &[PolicySample]) -> Result<(), PrefoptError> {
    if samples.is_empty() {
        return Err(PrefoptError::Data(
            "KL estimate: no policy sample; it needs at least one".into(),
        ));
    }
    match samples
        .iter()
        .position(|s| !(s.logp.is_finite() && s.reference_logp.is_finite() && s.reward.is_finite()))
    {
        Some(index) => Err(PrefoptError::Numerical(format!(
            "KL estimate: policy sample {index} is {:?}: log-probabilities and reward must be \
             finite",
            samples[index]
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monte_carlo::log_partition_estimate;

    fn sample(prompt: usize, logp: f64, reference_logp: f64, reward: f64) -> PolicySample {
        PolicySample {
            prompt,
            logp,
            reference_logp,
            reward,
        }
    }

    #[test]
    fn kl_to_reference_by_hand() {
        // Log-ratios 0.5 and 1.5 for prompt 0, 1 and 3 for prompt 1: means 1 and 2, value 1.5;
        // s^2 = 0.5 and 2, SE = sqrt(0.5/2 + 2/2) / 2.
        let samples = [
            sample(0, -1.0, -1.5, 0.0),
            sample(0, -2.0, -3.5, 0.0),
            sample(1, -1.0, -2.0, 0.0),
            sample(1, -0.5, -3.5, 0.0),
        ];
        let estimate = kl_to_reference(&samples).unwrap();
        assert!((estimate.value - 1.5).abs() < 1e-12);
        assert!((estimate.std_err - 1.25f64.sqrt() / 2.0).abs() < 1e-12);
    }

    #[test]
    fn kl_to_optimal_by_hand() {
        // beta = 0.5. Prompt 0: d = logp - ref - r/beta = (0.5 - 2, 1.5 - 0) = (-1.5, 1.5),
        // mean 0, s^2 = 4.5. log Z(0) = 1 +- 0.3. Prompt 1: d = (1 - 1, 3 - 1) = (0, 2),
        // mean 1, s^2 = 2. log Z(1) = 2 +- 0.4. Value = (0 + 1)/2 + (1 + 2)/2 = 2;
        // variance = (4.5/2 + 2/2) / 4 + (0.09 + 0.16) / 4.
        let samples = [
            sample(0, -1.0, -1.5, 1.0),
            sample(0, -2.0, -3.5, 0.0),
            sample(1, -1.0, -2.0, 0.5),
            sample(1, -0.5, -3.5, 0.5),
        ];
        let log_z = [
            Estimate {
                value: 1.0,
                std_err: 0.3,
            },
            Estimate {
                value: 2.0,
                std_err: 0.4,
            },
        ];
        let estimate = kl_to_optimal(&samples, &log_z, 0.5).unwrap();
        assert!((estimate.value - 2.0).abs() < 1e-12);
        let variance = (4.5 / 2.0 + 1.0) / 4.0 + 0.25 / 4.0;
        assert!((estimate.std_err - f64::sqrt(variance)).abs() < 1e-12);
    }

    #[test]
    fn the_optimum_measured_exactly_is_at_zero() {
        // A two-output space sampled at its exact frequencies: pi = pi* = (1/2, 1/2) for
        // pi_ref = (1/4, 3/4), r = (ln 3, 0), beta = 1; reference samples at pi_ref's
        // frequencies (1 of 4 draws the first output) give log Z_hat = log 1.5 exactly.
        let (first, second) = (0.5f64.ln(), 0.5f64.ln());
        let samples = [
            sample(0, first, 0.25f64.ln(), 3f64.ln()),
            sample(0, second, 0.75f64.ln(), 0.0),
        ];
        let log_z = log_partition_estimate(&[3f64.ln(), 0.0, 0.0, 0.0], 1.0).unwrap();
        assert!((log_z.estimate.value - 1.5f64.ln()).abs() < 1e-12);
        let estimate = kl_to_optimal(&samples, &[log_z.estimate], 1.0).unwrap();
        assert!(estimate.value.abs() < 1e-12, "{estimate:?}");
    }

    #[test]
    fn extreme_rewards_stay_finite() {
        // r/beta = 1e4: the log-ratio term is -1e4 and log Z is 1e4; their sum stays exact.
        let samples = [sample(0, -0.1, -0.2, 1.0), sample(0, -0.3, -0.2, 1.0)];
        let log_z = log_partition_estimate(&[1.0, 1.0, -1.0], 1e-4).unwrap();
        let estimate = kl_to_optimal(&samples, &[log_z.corrected()], 1e-4).unwrap();
        assert!(estimate.value.is_finite() && estimate.std_err.is_finite());
        // log Z_hat = 1e4 + ln(2/3); the policy term = mean(0.1, -0.1) - 1e4 = -1e4.
        let expected = (2.0f64 / 3.0).ln() - log_z.bias;
        assert!((estimate.value - expected).abs() < 1e-8, "{estimate:?}");
    }

    #[test]
    fn bad_input_is_named() {
        let samples = [sample(1, -1.0, -1.0, 0.0)];
        let one = [Estimate {
            value: 0.0,
            std_err: 0.0,
        }];
        let error = kl_to_optimal(&samples, &one, 1.0).unwrap_err();
        assert!(error.to_string().contains("prompt 1"), "{error}");
        let error = kl_to_reference(&[sample(0, f64::NAN, 0.0, 0.0)]).unwrap_err();
        assert!(error.to_string().contains("policy sample 0"), "{error}");
        assert!(kl_to_reference(&[]).is_err());
        assert!(kl_to_optimal(&samples, &one, -1.0).is_err());
    }
}
