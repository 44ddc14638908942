//! The Monte-Carlo estimates of `log Z(x)`, `KL(pi || pi_ref)` and `KL(pi || pi*)` against the
//! exact values on a bandit, whose outputs can be enumerated: over seeded repetitions the
//! `+-1.96` standard-error intervals cover the truth in at least 90% of them, and the Jensen
//! bias of `log Z_hat` is what the delta method predicts, `-Var(w) / (2 N E[w]^2)`.
//!
//! `cargo test -p prefopt-partition --test bandit_monte_carlo -- --nocapture` prints the
//! measured coverage and bias.

use prefopt_core::{TabularTruth, Task};
use prefopt_data::{Bandit, BanditConfig};
use prefopt_partition::closed_form::log_partition;
use prefopt_partition::{
    Estimate, OptimalPolicy, PolicySample, compare, kl_to_optimal, kl_to_reference,
    log_partition_estimate,
};
use rand::SeedableRng;
use rand::distr::{Distribution, weighted::WeightedIndex};
use rand::rngs::StdRng;

const BETA: f64 = 1.0;
const Z_95: f64 = 1.96;

/// The default bandit (4 contexts, 6 actions, rewards N(0, 2^2), a random reference).
fn truth() -> TabularTruth {
    Bandit::new(&BanditConfig::default(), 7)
        .truth()
        .expect("a bandit knows its truth")
        .clone()
}

/// A policy that is neither pi_ref nor pi*: the reference tilted halfway to the optimum
/// (`pi ~ pi_ref exp(r / (2 beta))`), flattened by mixing in a uniform tenth.
fn halfway(truth: &TabularTruth) -> Vec<f64> {
    let tilted = OptimalPolicy::of(truth, 2.0 * BETA);
    tilted
        .log_probs
        .iter()
        .map(|logp| (0.9 * logp.exp() + 0.1 / truth.outputs as f64).ln())
        .collect()
}

fn row(table: &[f64], outputs: usize, context: usize) -> &[f64] {
    &table[context * outputs..(context + 1) * outputs]
}

/// `count` outputs drawn from the log-distribution `logps`.
fn draw(logps: &[f64], count: usize, rng: &mut StdRng) -> Vec<usize> {
    let sampler = WeightedIndex::new(logps.iter().map(|l| l.exp())).expect("a distribution");
    (0..count).map(|_| sampler.sample(rng)).collect()
}

/// One repetition's estimates: per-context `log Z`, and the two KLs averaged over contexts.
struct Repetition {
    log_z: Vec<Estimate>,
    kl_reference: Estimate,
    kl_optimal: Estimate,
}

fn repetition(
    truth: &TabularTruth,
    policy: &[f64],
    reference_samples: usize,
    policy_samples: usize,
    seed: u64,
) -> Repetition {
    let mut rng = StdRng::seed_from_u64(seed);
    let outputs = truth.outputs;
    let mut log_z = Vec::new();
    let mut samples = Vec::new();
    for x in 0..truth.contexts {
        let reference = row(&truth.reference_logps, outputs, x);
        let rewards = row(&truth.rewards, outputs, x);
        let policy = row(policy, outputs, x);
        let drawn: Vec<f64> = draw(reference, reference_samples, &mut rng)
            .into_iter()
            .map(|y| rewards[y])
            .collect();
        log_z.push(log_partition_estimate(&drawn, BETA).unwrap().corrected());
        samples.extend(
            draw(policy, policy_samples, &mut rng)
                .into_iter()
                .map(|y| PolicySample {
                    prompt: x,
                    logp: policy[y],
                    reference_logp: reference[y],
                    reward: rewards[y],
                }),
        );
    }
    Repetition {
        kl_reference: kl_to_reference(&samples).unwrap(),
        kl_optimal: kl_to_optimal(&samples, &log_z, BETA).unwrap(),
        log_z,
    }
}

fn metric(values: &[(String, f64)], name: &str) -> f64 {
    values.iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn error_bars_cover_the_exact_values_in_at_least_90_percent_of_repetitions() {
    let truth = truth();
    let policy = halfway(&truth);
    let optimal = OptimalPolicy::of(&truth, BETA);
    let exact = compare(&truth, &policy, Some(&optimal));
    let (kl_reference, kl_optimal) = (metric(&exact, "kl/reference"), metric(&exact, "kl/optimal"));
    assert!(kl_reference > 0.05 && kl_optimal > 0.05, "{exact:?}");
    let repetitions = 400;
    for (reference_samples, policy_samples) in [(64, 64), (256, 32)] {
        let (mut log_z_hits, mut reference_hits, mut optimal_hits) = (0, 0, 0);
        for seed in 0..repetitions {
            let measured = repetition(&truth, &policy, reference_samples, policy_samples, seed);
            log_z_hits += measured
                .log_z
                .iter()
                .zip(&optimal.log_partition)
                .filter(|(estimate, exact)| estimate.covers(**exact, Z_95))
                .count();
            reference_hits += usize::from(measured.kl_reference.covers(kl_reference, Z_95));
            optimal_hits += usize::from(measured.kl_optimal.covers(kl_optimal, Z_95));
        }
        let log_z_coverage = log_z_hits as f64 / (repetitions as usize * truth.contexts) as f64;
        let reference_coverage = reference_hits as f64 / repetitions as f64;
        let optimal_coverage = optimal_hits as f64 / repetitions as f64;
        println!(
            "N = {reference_samples} reference, {policy_samples} policy samples per context: \
             coverage log Z {log_z_coverage:.3}, KL(pi||pi_ref) {reference_coverage:.3} \
             (exact {kl_reference:.4}), KL(pi||pi*) {optimal_coverage:.3} (exact {kl_optimal:.4})"
        );
        for (name, coverage) in [
            ("log Z", log_z_coverage),
            ("KL(pi || pi_ref)", reference_coverage),
            ("KL(pi || pi*)", optimal_coverage),
        ] {
            assert!(
                coverage >= 0.9,
                "{name}: the 95% interval covers the truth in {coverage} of {repetitions} \
                 repetitions at N = {reference_samples}"
            );
        }
    }
}

#[test]
fn the_jensen_bias_of_log_z_is_the_delta_methods_and_shrinks_as_one_over_n() {
    let truth = truth();
    let outputs = truth.outputs;
    let x = 0;
    let reference = row(&truth.reference_logps, outputs, x);
    let rewards = row(&truth.rewards, outputs, x);
    let exact = log_partition(reference, rewards, BETA);
    // The relative variance of the weights w = exp(r/beta) under pi_ref, exactly.
    let z = exact.exp();
    let second: f64 = reference
        .iter()
        .zip(rewards)
        .map(|(logp, r)| (logp + 2.0 * r / BETA).exp())
        .sum();
    let relative_variance = second / (z * z) - 1.0;
    let repetitions = 4000;
    let mut rng = StdRng::seed_from_u64(11);
    let mut previous_bias = f64::NEG_INFINITY;
    for n in [4, 16, 64, 256] {
        let (mut plain, mut corrected, mut squares) = (0.0, 0.0, 0.0);
        for _ in 0..repetitions {
            let drawn: Vec<f64> = draw(reference, n, &mut rng)
                .into_iter()
                .map(|y| rewards[y])
                .collect();
            let estimate = log_partition_estimate(&drawn, BETA).unwrap();
            let error = estimate.estimate.value - exact;
            plain += error / repetitions as f64;
            squares += error * error / repetitions as f64;
            corrected += (estimate.corrected().value - exact) / repetitions as f64;
        }
        let predicted = -relative_variance / (2.0 * n as f64);
        // The Monte-Carlo error of the measured bias itself.
        let noise = ((squares - plain * plain) / repetitions as f64).sqrt();
        println!(
            "N = {n}: bias of log Z_hat {plain:+.5} (delta method {predicted:+.5}), \
             bias-corrected {corrected:+.5}, measured to +-{noise:.5}, over {repetitions} \
             repetitions"
        );
        assert!(
            plain < 0.0,
            "Jensen: log Z_hat is biased low, got {plain} at N = {n}"
        );
        assert!(plain > previous_bias, "the bias shrinks with N");
        previous_bias = plain;
        if n >= 64 {
            // Within three of its own standard errors of the prediction, plus a fifth for the
            // terms of higher order in 1/N.
            assert!(
                (plain - predicted).abs() < 3.0 * noise + 0.2 * predicted.abs(),
                "N = {n}: bias {plain} +- {noise}, delta method {predicted}"
            );
            assert!(corrected.abs() < plain.abs(), "N = {n}");
        }
    }
}
