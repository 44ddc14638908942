//! Preference pairs: a document's own continuation against another's, or two pi_ref samples
//! ordered by the true reward.

use super::config::Preference;
use super::reward::VaderReward;
use crate::token_reward::TokenPair;
use prefopt_core::{Policy, PrefoptError, SamplingOptions};
use rand::Rng;
use rand::rngs::StdRng;

/// A prompt and the corpus's continuation of it, as token ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The first tokens of a document.
    pub prompt: Vec<u32>,
    /// The tokens that follow in the document (EOS appended when the document ends there).
    pub continuation: Vec<u32>,
}

/// Corpus pairs: for example `k`, chosen = its own continuation and rejected = the continuation
/// of example `k + 1` (cyclically), a real review's text that does not follow the prompt.
/// Empty for fewer than two examples.
pub fn corpus_pairs(examples: &[Example]) -> Vec<TokenPair> {
    if examples.len() < 2 {
        return Vec::new();
    }
    examples
        .iter()
        .enumerate()
        .map(|(k, example)| TokenPair {
            prompt: example.prompt.clone(),
            chosen: example.continuation.clone(),
            rejected: examples[(k + 1) % examples.len()].continuation.clone(),
        })
        .collect()
}

/// How pi_ref is sampled and its samples ordered.
#[derive(Debug, Clone)]
pub struct SampledPairs<'a> {
    /// Sampling of each completion (`max_new_tokens`, temperature, stop tokens).
    pub sampling: SamplingOptions,
    /// How two scored samples become a preference.
    pub preference: Preference,
    /// The Bradley-Terry temperature.
    pub temperature: f64,
    /// Prompts per `generate` call.
    pub batch: usize,
    /// The true reward ordering them.
    pub reward: &'a VaderReward,
}

/// `P(first preferred) = sigmoid((r1 - r2) / temperature)`, the Bradley-Terry model (Bradley &
/// Terry 1952) on rewards scaled by `1 / temperature`; computed as `1 / (1 + exp(-z))` or
/// `exp(z) / (1 + exp(z))` by the sign of `z`, so it never overflows.
pub fn bradley_terry(r1: f64, r2: f64, temperature: f64) -> f64 {
    let z = (r1 - r2) / temperature;
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Two completions sampled from `policy` per prompt, scored by the true reward and ordered by
/// `options.preference`: deterministic (the higher score chosen; ties dropped, so fewer pairs
/// than prompts may come back) or Bradley-Terry (the first chosen with probability
/// [`bradley_terry`]`(r1, r2, temperature)`, a tie a fair coin). Pairs come back in prompt
/// order. Returns the pairs and the number of ties dropped.
///
/// # Errors
/// When the policy cannot sample, or a completion cannot be decoded.
pub fn sample_pairs(
    policy: &dyn Policy,
    prompts: &[Vec<u32>],
    options: &SampledPairs<'_>,
    rng: &mut StdRng,
) -> Result<(Vec<TokenPair>, usize), PrefoptError> {
    let mut pairs = Vec::with_capacity(prompts.len());
    let mut ties = 0;
    for chunk in prompts.chunks(options.batch.max(1)) {
        let doubled: Vec<Vec<u32>> = chunk
            .iter()
            .flat_map(|prompt| [prompt.clone(), prompt.clone()])
            .collect();
        let generations = policy.generate(&doubled, &options.sampling, rng)?;
        if generations.len() != doubled.len() {
            return Err(PrefoptError::Model(format!(
                "the reference policy returned {} completions for {} prompts",
                generations.len(),
                doubled.len()
            )));
        }
        for (prompt, two) in chunk.iter().zip(generations.chunks(2)) {
            let (first, second) = (two[0].tokens.clone(), two[1].tokens.clone());
            let r1 = options.reward.of(prompt, &first)?;
            let r2 = options.reward.of(prompt, &second)?;
            let first_wins = match options.preference {
                Preference::Deterministic if r1 == r2 => {
                    ties += 1;
                    continue;
                }
                Preference::Deterministic => r1 > r2,
                Preference::BradleyTerry => {
                    rng.random::<f64>() < bradley_terry(r1, r2, options.temperature)
                }
            };
            let (chosen, rejected) = if first_wins {
                (first, second)
            } else {
                (second, first)
            };
            pairs.push(TokenPair {
                prompt: prompt.clone(),
                chosen,
                rejected,
            });
        }
    }
    Ok((pairs, ties))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_pairs_reject_the_next_continuation() {
        let examples: Vec<Example> = (0..3)
            .map(|k| Example {
                prompt: vec![10 + k],
                continuation: vec![20 + k, 0],
            })
            .collect();
        let pairs = corpus_pairs(&examples);
        assert_eq!(pairs.len(), 3);
        assert_eq!(pairs[0].chosen, vec![20, 0]);
        assert_eq!(pairs[0].rejected, vec![21, 0]);
        assert_eq!(pairs[2].rejected, vec![20, 0]);
        assert!(corpus_pairs(&examples[..1]).is_empty());
    }

    #[test]
    fn bradley_terry_by_hand_and_at_extremes() {
        assert_eq!(bradley_terry(0.3, 0.3, 0.1), 0.5);
        let expected = 1.0 / (1.0 + (-2.0f64).exp());
        assert!((bradley_terry(0.4, 0.2, 0.1) - expected).abs() < 1e-12);
        assert!((bradley_terry(0.2, 0.4, 0.1) - (1.0 - expected)).abs() < 1e-12);
        assert_eq!(bradley_terry(1.0, -1.0, 1e-300), 1.0);
        assert_eq!(bradley_terry(-1.0, 1.0, 1e-300), 0.0);
        assert!(!bradley_terry(f64::MAX, -f64::MAX, 1.0).is_nan());
    }
}
