//! Preference pairs of a bandit: the weighted population, or a sample.

use prefopt_core::TabularTruth;
use rand::Rng;
use rand::distr::{Distribution, weighted::WeightedIndex};

/// One preference pair: in `context`, `chosen` was preferred to `rejected`, with a weight
/// (its probability in population mode, 1 for a sampled pair).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// The context x.
    pub context: usize,
    /// The preferred action y_w.
    pub chosen: usize,
    /// The dispreferred action y_l.
    pub rejected: usize,
    /// The pair's weight.
    pub weight: f64,
}

/// `P(y_1 > y_2 | x)`: Bradley–Terry, `sigmoid(r_1 - r_2)`, or with `deterministic` 1 when
/// `r_1 > r_2`, 0 when `r_1 < r_2`, 1/2 on a tie.
pub fn preference_probability(reward_1: f64, reward_2: f64, deterministic: bool) -> f64 {
    let difference = reward_1 - reward_2;
    if deterministic {
        match difference.partial_cmp(&0.0) {
            Some(std::cmp::Ordering::Greater) => 1.0,
            Some(std::cmp::Ordering::Less) => 0.0,
            _ => 0.5,
        }
    } else {
        1.0 / (1.0 + (-difference).exp())
    }
}

/// Every ordered pair `(y_1, y_2)`, `y_1 != y_2`, of every context with chosen `y_1`, weighted by
/// `pi_ref(y_1|x) pi_ref(y_2|x) P(y_1 > y_2 | x)`, each context's weights scaled to sum to
/// `1 / contexts` (contexts weigh uniformly). Pairs of weight 0 are left out.
///
/// The weighted DPO loss over this population is the expected loss over pairs drawn from
/// pi_ref and labelled by Bradley–Terry; its minimizer is exactly
/// `pi* = pi_ref exp(r/beta) / Z` (Rafailov et al. 2023, Thm. 1 and App. A.2).
pub fn population_pairs(truth: &TabularTruth, deterministic: bool) -> Vec<Pair> {
    let outputs = truth.outputs;
    let mut pairs = Vec::with_capacity(truth.contexts * outputs * (outputs - 1));
    for context in 0..truth.contexts {
        let row = context * outputs;
        let start = pairs.len();
        for chosen in 0..outputs {
            for rejected in (0..outputs).filter(|&y| y != chosen) {
                let weight = (truth.reference_logps[row + chosen]
                    + truth.reference_logps[row + rejected])
                    .exp()
                    * preference_probability(
                        truth.rewards[row + chosen],
                        truth.rewards[row + rejected],
                        deterministic,
                    );
                if weight > 0.0 {
                    pairs.push(Pair {
                        context,
                        chosen,
                        rejected,
                        weight,
                    });
                }
            }
        }
        let total: f64 = pairs[start..].iter().map(|pair| pair.weight).sum();
        for pair in &mut pairs[start..] {
            pair.weight /= total * truth.contexts as f64;
        }
    }
    pairs
}

/// Samples `count` pairs: x uniform, `y_1, y_2 ~ pi_ref(.|x)` drawn until distinct, then the
/// winner by [`preference_probability`]. Each pair has weight 1.
pub fn sample_pairs(
    truth: &TabularTruth,
    count: usize,
    deterministic: bool,
    rng: &mut impl Rng,
) -> Vec<Pair> {
    let outputs = truth.outputs;
    let samplers: Vec<WeightedIndex<f64>> = truth
        .reference_logps
        .chunks(outputs)
        .map(|row| {
            WeightedIndex::new(row.iter().map(|logp| logp.exp()))
                .expect("a reference row is a probability distribution")
        })
        .collect();
    (0..count)
        .map(|_| {
            let context = rng.random_range(0..truth.contexts);
            let first = samplers[context].sample(rng);
            let second = loop {
                let candidate = samplers[context].sample(rng);
                if candidate != first {
                    break candidate;
                }
            };
            let row = context * outputs;
            let p_first = preference_probability(
                truth.rewards[row + first],
                truth.rewards[row + second],
                deterministic,
            );
            let (chosen, rejected) = if rng.random::<f64>() < p_first {
                (first, second)
            } else {
                (second, first)
            };
            Pair {
                context,
                chosen,
                rejected,
                weight: 1.0,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn truth() -> TabularTruth {
        TabularTruth {
            contexts: 2,
            outputs: 3,
            reference_logps: [0.2, 0.3, 0.5, 0.6, 0.3, 0.1]
                .iter()
                .map(|p: &f64| p.ln())
                .collect(),
            rewards: vec![1.0, -0.5, 0.0, 2.0, 0.3, 0.3],
        }
    }

    #[test]
    fn population_weights_are_probabilities_per_context() {
        let pairs = population_pairs(&truth(), false);
        assert_eq!(pairs.len(), 12);
        for context in 0..2 {
            let total: f64 = pairs
                .iter()
                .filter(|p| p.context == context)
                .map(|p| p.weight)
                .sum();
            assert!((total - 0.5).abs() < 1e-12);
        }
        // Context 0, (y1, y2) = (0, 1): 0.2 * 0.3 * sigmoid(1.5), before normalization.
        let raw = |c: usize, a: usize, b: usize| {
            let t = truth();
            let r = c * 3;
            (t.reference_logps[r + a] + t.reference_logps[r + b]).exp()
                * preference_probability(t.rewards[r + a], t.rewards[r + b], false)
        };
        let total: f64 = (0..3)
            .flat_map(|a| (0..3).filter(move |&b| b != a).map(move |b| (a, b)))
            .map(|(a, b)| raw(0, a, b))
            .sum();
        let expected = 0.2 * 0.3 / (1.0 + (-1.5f64).exp()) / total / 2.0;
        let pair = pairs
            .iter()
            .find(|p| (p.context, p.chosen, p.rejected) == (0, 0, 1))
            .unwrap();
        assert!((pair.weight - expected).abs() < 1e-12);
    }

    #[test]
    fn deterministic_population_keeps_only_winners_and_splits_ties() {
        let pairs = population_pairs(&truth(), true);
        // Context 0 has three strict orders (3 pairs); context 1 has a tie (actions 1, 2): 2 strict
        // wins of action 0 and both directions of the tie.
        assert_eq!(pairs.len(), 3 + 4);
        assert!(pairs.iter().all(|p| {
            let r = &truth().rewards;
            r[p.context * 3 + p.chosen] >= r[p.context * 3 + p.rejected]
        }));
    }

    #[test]
    fn sampled_pairs_follow_the_seed_and_prefer_better_actions() {
        let truth = truth();
        let a = sample_pairs(&truth, 2000, false, &mut StdRng::seed_from_u64(3));
        let b = sample_pairs(&truth, 2000, false, &mut StdRng::seed_from_u64(3));
        assert_eq!(a, b);
        assert!(a.iter().all(|p| p.chosen != p.rejected));
        let better = a
            .iter()
            .filter(|p| {
                truth.rewards[p.context * 3 + p.chosen] > truth.rewards[p.context * 3 + p.rejected]
            })
            .count();
        assert!(
            better > 1100,
            "Bradley-Terry should mostly prefer the better action: {better}"
        );
        let deterministic = sample_pairs(&truth, 500, true, &mut StdRng::seed_from_u64(4));
        assert!(deterministic.iter().all(|p| {
            truth.rewards[p.context * 3 + p.chosen] >= truth.rewards[p.context * 3 + p.rejected]
        }));
    }
}
