//! Picking a token: the most likely one, or a seeded draw from the candidates' softmax.

use super::warpers::{Candidate, softmax};
use rand::Rng;
use rand::rngs::StdRng;

/// The id of the largest logit (the first one on ties), or `None` for an empty row. The caller
/// has ruled out NaN.
pub fn argmax(row: &[f32]) -> Option<u32> {
    let mut best: Option<(usize, f32)> = None;
    for (token, &logit) in row.iter().enumerate() {
        if best.is_none_or(|(_, max)| logit > max) {
            best = Some((token, logit));
        }
    }
    best.map(|(token, _)| token as u32)
}

/// A token drawn with probability softmax(logit) over `candidates` (not empty): one uniform
/// number from `rng`, inverted through the cumulative distribution.
pub fn draw(candidates: &[Candidate], rng: &mut StdRng) -> u32 {
    let probabilities = softmax(candidates);
    let target: f64 = rng.random::<f64>();
    let mut cumulative = 0.0;
    for (candidate, probability) in candidates.iter().zip(&probabilities) {
        cumulative += probability;
        if target < cumulative {
            return candidate.token;
        }
    }
    // Rounding left the cumulative sum just below `target`: the last token with mass.
    candidates
        .iter()
        .zip(&probabilities)
        .rev()
        .find(|(_, probability)| **probability > 0.0)
        .map_or(candidates[candidates.len() - 1].token, |(candidate, _)| {
            candidate.token
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn argmax_takes_the_first_largest() {
        assert_eq!(argmax(&[0.5, 2.0, -1.0, 2.0]), Some(1));
        assert_eq!(
            argmax(&[f32::NEG_INFINITY, f32::NEG_INFINITY, -3.0]),
            Some(2)
        );
        assert_eq!(argmax(&[]), None);
    }

    #[test]
    fn a_single_candidate_is_always_drawn() {
        let mut rng = StdRng::seed_from_u64(7);
        let only = [Candidate {
            token: 42,
            logit: -5.0,
        }];
        assert!((0..100).all(|_| draw(&only, &mut rng) == 42));
    }

    #[test]
    fn tokens_without_mass_are_never_drawn() {
        let mut rng = StdRng::seed_from_u64(3);
        let candidates = [
            Candidate {
                token: 0,
                logit: 0.0,
            },
            Candidate {
                token: 1,
                logit: -2000.0,
            },
        ];
        assert!((0..10_000).all(|_| draw(&candidates, &mut rng) == 0));
    }
}
