//! Seeded preference pairs labelled by the true reward, for reward models on token sequences.

use super::reward::TokenSetReward;
use rand::Rng;
use rand::rngs::StdRng;

/// One preference pair: a prompt, the completion of higher true reward, and the other.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenPair {
    /// The prompt's ids.
    pub prompt: Vec<u32>,
    /// The preferred completion's ids.
    pub chosen: Vec<u32>,
    /// The other completion's ids.
    pub rejected: Vec<u32>,
}

/// Attempts at two completions of different rewards before a pair is built by hand.
const ATTEMPTS: usize = 1000;

/// `count` pairs over `prompts` (each drawn uniformly): two completions of the same prompt, each
/// `1..=completion_length` ids long with its own rate `p ~ U(0, 1)` of ids from the rewarded set
/// (`rewarded`: the others come from `unrewarded`), the completion of higher reward chosen,
/// `stop` appended to both when given. Completions of equal reward are drawn again.
pub fn draw_pairs(
    prompts: &[Vec<u32>],
    reward: &TokenSetReward,
    unrewarded: &[u32],
    count: usize,
    completion_length: usize,
    stop: Option<u32>,
    rng: &mut StdRng,
) -> Vec<TokenPair> {
    let rewarded = reward.rewarded();
    let completion = |rng: &mut StdRng| -> Vec<u32> {
        let length = rng.random_range(1..=completion_length);
        let rate: f64 = rng.random();
        let mut ids: Vec<u32> = (0..length)
            .map(|_| {
                let pool = if rng.random::<f64>() < rate {
                    rewarded
                } else {
                    unrewarded
                };
                pool[rng.random_range(0..pool.len())]
            })
            .collect();
        ids.extend(stop);
        ids
    };
    (0..count)
        .map(|_| {
            let prompt = prompts[rng.random_range(0..prompts.len())].clone();
            for _ in 0..ATTEMPTS {
                let (first, second) = (completion(rng), completion(rng));
                let (r1, r2) = (reward.of(&first), reward.of(&second));
                if r1 != r2 {
                    let (chosen, rejected) = if r1 > r2 {
                        (first, second)
                    } else {
                        (second, first)
                    };
                    return TokenPair {
                        prompt,
                        chosen,
                        rejected,
                    };
                }
            }
            // Practically unreachable; one rewarded id against one that is not.
            TokenPair {
                prompt,
                chosen: [rewarded[0]].into_iter().chain(stop).collect(),
                rejected: [unrewarded[0]].into_iter().chain(stop).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_chosen_completion_has_the_higher_reward() {
        let reward = TokenSetReward::new(&[3, 4], &[2]);
        let unrewarded: Vec<u32> = (5..20).collect();
        let prompts = vec![vec![7, 8], vec![9]];
        let mut rng = StdRng::seed_from_u64(4);
        let pairs = draw_pairs(&prompts, &reward, &unrewarded, 200, 6, Some(2), &mut rng);
        assert_eq!(pairs.len(), 200);
        for pair in &pairs {
            assert!(
                reward.of(&pair.chosen) > reward.of(&pair.rejected),
                "{pair:?}"
            );
            for completion in [&pair.chosen, &pair.rejected] {
                assert_eq!(completion.last(), Some(&2));
                assert!((2..=7).contains(&completion.len()), "{completion:?}");
            }
            assert!(prompts.contains(&pair.prompt));
        }
    }
}
