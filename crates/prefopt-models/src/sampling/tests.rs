//! [`sample_next`] on burn tensors: greedy, top-k, top-p, the drawn distribution, seeds, and
//! logits that define no distribution.

use super::*;
use prefopt_core::burn::tensor::{Device, TensorData};
use rand::{Rng, SeedableRng};

fn tensor(rows: &[Vec<f32>]) -> Tensor<2> {
    let vocab = rows[0].len();
    let values: Vec<f32> = rows.iter().flatten().copied().collect();
    Tensor::from_data(
        TensorData::new(values, [rows.len(), vocab]),
        &Device::default(),
    )
}

fn options(temperature: f64, top_k: Option<usize>, top_p: Option<f64>) -> SamplingOptions {
    SamplingOptions {
        temperature,
        top_k,
        top_p,
        ..SamplingOptions::default()
    }
}

fn random_rows(rows: usize, vocab: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..rows)
        .map(|_| (0..vocab).map(|_| rng.random_range(-8.0f32..8.0)).collect())
        .collect()
}

fn argmaxes(rows: &[Vec<f32>]) -> Vec<u32> {
    rows.iter().map(|row| argmax(row).unwrap()).collect()
}

#[test]
fn greedy_is_the_argmax_of_each_row() {
    let rows = random_rows(5, 1000, 1);
    let mut rng = StdRng::seed_from_u64(0);
    let tokens = sample_next(tensor(&rows), &SamplingOptions::greedy(1), &mut rng).unwrap();
    assert_eq!(tokens, argmaxes(&rows));
    // Greedy draws nothing from the generator.
    let mut fresh = StdRng::seed_from_u64(0);
    assert_eq!(rng.random::<u64>(), fresh.random::<u64>());
}

#[test]
fn top_k_one_is_greedy_at_any_temperature() {
    let rows = random_rows(8, 2000, 2);
    for seed in 0..5 {
        let mut rng = StdRng::seed_from_u64(seed);
        let tokens =
            sample_next(tensor(&rows), &options(1.7, Some(1), Some(0.9)), &mut rng).unwrap();
        assert_eq!(tokens, argmaxes(&rows));
    }
}

#[test]
fn top_p_keeps_the_expected_set_of_a_hand_computed_distribution() {
    // Probabilities 0.05, 0.4, 0.3, 0.15, 0.1: sorted 0.4, 0.3, 0.15, 0.1, 0.05.
    let logits: Vec<f32> = [0.05f64, 0.4, 0.3, 0.15, 0.1]
        .iter()
        .map(|p| p.ln() as f32)
        .collect();
    let kept = |p: f64| {
        let mut tokens: Vec<u32> = next_token_candidates(&logits, &options(1.0, None, Some(p)))
            .iter()
            .map(|c| c.token)
            .collect();
        tokens.sort_unstable();
        tokens
    };
    assert_eq!(kept(0.35), [1]);
    assert_eq!(kept(0.65), [1, 2]);
    assert_eq!(kept(0.8), [1, 2, 3]);
    assert_eq!(kept(0.9), [1, 2, 3, 4]);
    assert_eq!(kept(0.99), [0, 1, 2, 3, 4]);
    // Only kept tokens are ever drawn.
    let mut rng = StdRng::seed_from_u64(11);
    let rows = vec![logits.clone(); 64];
    for _ in 0..50 {
        let tokens = sample_next(tensor(&rows), &options(1.0, None, Some(0.65)), &mut rng).unwrap();
        assert!(tokens.iter().all(|&t| t == 1 || t == 2), "{tokens:?}");
    }
}

/// Pearson's chi-square statistic of `counts` against `probabilities` over `n` draws.
fn chi_square(counts: &[usize], probabilities: &[f64], n: usize) -> f64 {
    counts
        .iter()
        .zip(probabilities)
        .map(|(&count, &p)| {
            let expected = p * n as f64;
            (count as f64 - expected).powi(2) / expected
        })
        .sum()
}

#[test]
fn draws_follow_the_softmax_of_logits_over_temperature() {
    let logits = [1.0f32, 0.0, 2.5, -1.0, f32::NEG_INFINITY, 0.5];
    let temperature = 0.8;
    let finite: Vec<f64> = logits
        .iter()
        .filter(|l| l.is_finite())
        .map(|&l| f64::from(l) / temperature)
        .collect();
    let total: f64 = finite.iter().map(|l| l.exp()).sum();
    let probabilities: Vec<f64> = finite.iter().map(|l| l.exp() / total).collect();

    let rows = vec![logits.to_vec(); 500];
    let mut rng = StdRng::seed_from_u64(2024);
    let mut counts = [0usize; 6];
    let draws = 200;
    for _ in 0..draws {
        for token in
            sample_next(tensor(&rows), &options(temperature, None, None), &mut rng).unwrap()
        {
            counts[token as usize] += 1;
        }
    }
    assert_eq!(counts[4], 0, "a -inf logit is never drawn");
    let observed: Vec<usize> = counts
        .iter()
        .enumerate()
        .filter(|&(t, _)| t != 4)
        .map(|(_, &c)| c)
        .collect();
    let statistic = chi_square(&observed, &probabilities, draws * rows.len());
    // 5 degrees of freedom: P(chi2 > 20.5) = 0.001.
    assert!(
        statistic < 20.5,
        "chi-square {statistic}: counts {counts:?}, probabilities {probabilities:?}"
    );
}

#[test]
fn draws_after_top_k_follow_the_renormalized_softmax() {
    let logits = [0.2f32, 1.5, -0.3, 1.0, 0.9];
    let kept = [1.5f64, 1.0, 0.9];
    let total: f64 = kept.iter().map(|l| l.exp()).sum();
    let probabilities: Vec<f64> = kept.iter().map(|l| l.exp() / total).collect();
    let rows = vec![logits.to_vec(); 1000];
    let mut rng = StdRng::seed_from_u64(5);
    let mut counts = [0usize; 5];
    for _ in 0..60 {
        for token in sample_next(tensor(&rows), &options(1.0, Some(3), None), &mut rng).unwrap() {
            counts[token as usize] += 1;
        }
    }
    assert_eq!((counts[0], counts[2]), (0, 0), "{counts:?}");
    let statistic = chi_square(&[counts[1], counts[3], counts[4]], &probabilities, 60_000);
    // 2 degrees of freedom: P(chi2 > 13.8) = 0.001.
    assert!(
        statistic < 13.8,
        "chi-square {statistic}: counts {counts:?}"
    );
}

#[test]
fn the_same_seed_gives_the_same_tokens() {
    let rows = random_rows(16, 5000, 3);
    let sampling = options(1.0, Some(50), Some(0.95));
    let run = |seed: u64| {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..4)
            .flat_map(|_| sample_next(tensor(&rows), &sampling, &mut rng).unwrap())
            .collect::<Vec<u32>>()
    };
    assert_eq!(run(42), run(42));
    assert_ne!(run(42), run(43));
}

#[test]
fn neg_inf_logits_are_safe_and_positive_inf_wins() {
    let mut rng = StdRng::seed_from_u64(9);
    let masked = vec![vec![f32::NEG_INFINITY, 3.0, f32::NEG_INFINITY, -50.0]; 200];
    for sampling in [
        options(1.0, None, None),
        options(2.0, Some(3), Some(0.999)),
        SamplingOptions::greedy(1),
    ] {
        let tokens = sample_next(tensor(&masked), &sampling, &mut rng).unwrap();
        assert!(tokens.iter().all(|&t| t == 1 || t == 3), "{tokens:?}");
    }
    let infinite = vec![vec![0.0, f32::INFINITY, 5.0, f32::INFINITY]; 200];
    let tokens = sample_next(tensor(&infinite), &options(1.0, None, None), &mut rng).unwrap();
    assert!(tokens.iter().all(|&t| t == 1 || t == 3), "{tokens:?}");
    assert!(
        tokens.contains(&1) && tokens.contains(&3),
        "uniform over the +inf tokens"
    );
}

#[test]
fn rows_without_a_distribution_are_errors_naming_the_row() {
    let mut rng = StdRng::seed_from_u64(0);
    let rows = vec![vec![0.0, 1.0], vec![f32::NEG_INFINITY, f32::NEG_INFINITY]];
    let error = sample_next(tensor(&rows), &options(1.0, None, None), &mut rng).unwrap_err();
    assert!(
        matches!(error, SamplingError::NoFiniteLogit { row: 1, vocab: 2 }),
        "{error}"
    );
    let rows = vec![vec![0.0, f32::NAN, 1.0]];
    for sampling in [options(1.0, None, None), SamplingOptions::greedy(1)] {
        let error = sample_next(tensor(&rows), &sampling, &mut rng).unwrap_err();
        assert!(
            matches!(error, SamplingError::NanLogit { row: 0, token: 1 }),
            "{error}"
        );
    }
}

#[test]
fn invalid_options_are_refused_naming_the_field() {
    let mut rng = StdRng::seed_from_u64(0);
    let rows = vec![vec![0.0, 1.0]];
    let error = sample_next(tensor(&rows), &options(1.0, None, Some(1.5)), &mut rng).unwrap_err();
    assert!(error.to_string().contains("top_p"), "{error}");
    let error: prefopt_core::PrefoptError =
        sample_next(tensor(&rows), &options(-1.0, None, None), &mut rng)
            .unwrap_err()
            .into();
    assert!(error.to_string().contains("temperature"), "{error}");
}
