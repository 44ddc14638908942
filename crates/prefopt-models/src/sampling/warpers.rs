//! The logits warpers of Hugging Face's `generate`, applied in its order: temperature, top-k,
//! top-p (`TemperatureLogitsWarper`, `TopKLogitsWarper`, `TopPLogitsWarper`). They work on the
//! tokens still in the running ([`Candidate`]s) of one row; tokens with a -inf logit never are.

use std::cmp::Ordering;

/// A token that can still be drawn, with its warped logit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The token id.
    pub token: u32,
    /// Its logit after the warpers so far (`logit / temperature`).
    pub logit: f64,
}

fn descending(a: &Candidate, b: &Candidate) -> Ordering {
    b.logit.total_cmp(&a.logit).then(a.token.cmp(&b.token))
}

/// Every token with a logit above -inf, its logit divided by `temperature` (> 0). When some
/// logits are +inf only those remain, at logit 0: the limit of the softmax is uniform over them.
/// The caller has ruled out NaN.
pub fn scaled_candidates(row: &[f32], temperature: f64) -> Vec<Candidate> {
    if row.contains(&f32::INFINITY) {
        return row
            .iter()
            .enumerate()
            .filter(|&(_, &l)| l == f32::INFINITY)
            .map(|(token, _)| Candidate {
                token: token as u32,
                logit: 0.0,
            })
            .collect();
    }
    row.iter()
        .enumerate()
        .filter(|&(_, &l)| l > f32::NEG_INFINITY)
        .map(|(token, &l)| Candidate {
            token: token as u32,
            logit: f64::from(l) / temperature,
        })
        .collect()
}

/// Keeps the `k` most likely candidates, and any tied with the k-th (Hugging Face removes only
/// logits strictly below the k-th largest). Order is not preserved.
pub fn top_k(candidates: &mut Vec<Candidate>, k: usize) {
    let k = k.max(1);
    if candidates.len() <= k {
        return;
    }
    candidates.select_nth_unstable_by(k - 1, descending);
    let threshold = candidates[k - 1].logit;
    candidates.retain(|c| c.logit >= threshold);
}

/// Nucleus filtering (Holtzman et al. 2020, arXiv:1904.09751, §3.1): keeps the smallest set of
/// most likely candidates whose probability reaches `p`, at least one. As Hugging Face's
/// `TopPLogitsWarper`, which removes the tokens whose cumulative probability from the least
/// likely up is `<= 1 - p`: a token stays exactly when the mass of the tokens ranked above it
/// is below `p`. Leaves the kept candidates sorted by descending logit.
///
/// Only the head of the distribution is sorted: the `m` most likely candidates are selected and
/// sorted, `m` doubling from 64 until the kept set ends inside them.
pub fn top_p(candidates: &mut Vec<Candidate>, p: f64) {
    let len = candidates.len();
    if p >= 1.0 || len <= 1 {
        candidates.sort_unstable_by(descending);
        return;
    }
    let max = candidates
        .iter()
        .map(|c| c.logit)
        .fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = candidates.iter().map(|c| (c.logit - max).exp()).sum();
    let mut head = HEAD.min(len);
    loop {
        if head < len {
            candidates.select_nth_unstable_by(head - 1, descending);
        }
        candidates[..head].sort_unstable_by(descending);
        let mut mass_above = 0.0;
        let mut keep = 0;
        for candidate in &candidates[..head] {
            if keep > 0 && mass_above >= p {
                break;
            }
            mass_above += (candidate.logit - max).exp() / total;
            keep += 1;
        }
        if keep < head || mass_above >= p || head == len {
            candidates.truncate(keep);
            return;
        }
        head = (2 * head).min(len);
    }
}

/// How many candidates [`top_p`] sorts first.
const HEAD: usize = 64;

/// The probabilities of the candidates: softmax of their logits, computed from the maximum so no
/// term overflows.
pub fn softmax(candidates: &[Candidate]) -> Vec<f64> {
    let max = candidates
        .iter()
        .map(|c| c.logit)
        .fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = candidates.iter().map(|c| (c.logit - max).exp()).collect();
    let total: f64 = weights.iter().sum();
    weights.into_iter().map(|w| w / total).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(candidates: &[Candidate]) -> Vec<u32> {
        let mut tokens: Vec<u32> = candidates.iter().map(|c| c.token).collect();
        tokens.sort_unstable();
        tokens
    }

    fn from_probabilities(probabilities: &[f64]) -> Vec<Candidate> {
        let row: Vec<f32> = probabilities.iter().map(|p| p.ln() as f32).collect();
        scaled_candidates(&row, 1.0)
    }

    #[test]
    fn temperature_divides_and_neg_inf_tokens_drop_out() {
        let candidates = scaled_candidates(&[2.0, f32::NEG_INFINITY, -1.0], 0.5);
        assert_eq!(
            candidates,
            [
                Candidate {
                    token: 0,
                    logit: 4.0
                },
                Candidate {
                    token: 2,
                    logit: -2.0
                }
            ]
        );
    }

    #[test]
    fn positive_infinity_leaves_only_those_tokens() {
        let candidates = scaled_candidates(&[1.0, f32::INFINITY, 3.0, f32::INFINITY], 1.0);
        assert_eq!(tokens(&candidates), [1, 3]);
        assert_eq!(softmax(&candidates), [0.5, 0.5]);
    }

    #[test]
    fn top_k_keeps_the_k_largest_and_ties_with_the_kth() {
        let mut candidates = scaled_candidates(&[0.1, 3.0, 2.0, -1.0, 2.5], 1.0);
        top_k(&mut candidates, 2);
        assert_eq!(tokens(&candidates), [1, 4]);
        let mut tied = scaled_candidates(&[1.0, 2.0, 1.0, 0.0], 1.0);
        top_k(&mut tied, 2);
        assert_eq!(tokens(&tied), [0, 1, 2]);
        let mut few = scaled_candidates(&[1.0, 2.0], 1.0);
        top_k(&mut few, 5);
        assert_eq!(tokens(&few), [0, 1]);
    }

    #[test]
    fn top_p_keeps_the_smallest_set_reaching_p() {
        // Probabilities 0.5, 0.25, 0.15, 0.1 (tokens 2, 0, 3, 1).
        let probabilities = [0.25, 0.1, 0.5, 0.15];
        let kept = |p: f64| {
            let mut candidates = from_probabilities(&probabilities);
            top_p(&mut candidates, p);
            candidates.iter().map(|c| c.token).collect::<Vec<u32>>()
        };
        assert_eq!(kept(0.3), [2], "0.5 alone reaches 0.3");
        assert_eq!(kept(0.6), [2, 0], "0.5 + 0.25 = 0.75 reaches 0.6");
        assert_eq!(kept(0.8), [2, 0, 3], "0.75 < 0.8 <= 0.9");
        assert_eq!(kept(0.95), [2, 0, 3, 1]);
        assert_eq!(kept(1.0), [2, 0, 3, 1]);
        assert_eq!(kept(1e-9), [2], "always at least one token");
    }

    #[test]
    fn top_p_after_top_k_renormalizes_over_the_kept_tokens() {
        // Of 0.4, 0.3, 0.2, 0.1, top-k 3 leaves 0.4/0.9, 0.3/0.9, 0.2/0.9 = 0.444, 0.333, 0.222.
        let mut candidates = from_probabilities(&[0.1, 0.2, 0.3, 0.4]);
        top_k(&mut candidates, 3);
        top_p(&mut candidates, 0.7);
        assert_eq!(
            candidates.iter().map(|c| c.token).collect::<Vec<u32>>(),
            [3, 2]
        );
    }

    #[test]
    fn top_p_beyond_the_first_sorted_head_matches_a_full_sort() {
        // 1000 tokens, probability falling slowly: the nucleus of p = 0.9 is hundreds of tokens.
        let row: Vec<f32> = (0..1000)
            .map(|i| -((i * 7919 % 1000) as f32) / 300.0)
            .collect();
        for p in [0.05, 0.5, 0.9, 0.999] {
            let mut fast = scaled_candidates(&row, 1.0);
            top_p(&mut fast, p);
            let mut sorted = scaled_candidates(&row, 1.0);
            sorted.sort_unstable_by(descending);
            let probabilities = softmax(&sorted);
            let mut mass = 0.0;
            let expected = 1 + probabilities
                .iter()
                .take_while(|&&q| {
                    mass += q;
                    mass < p
                })
                .count();
            assert_eq!(fast.len(), expected.min(sorted.len()), "p = {p}");
            assert_eq!(fast, sorted[..fast.len()], "p = {p}");
        }
    }

    #[test]
    fn softmax_is_stable_for_large_logits() {
        let candidates = [
            Candidate {
                token: 0,
                logit: 1000.0,
            },
            Candidate {
                token: 1,
                logit: 1000.0 - 2f64.ln(),
            },
        ];
        let probabilities = softmax(&candidates);
        assert!(
            (probabilities[0] - 2.0 / 3.0).abs() < 1e-12
                && (probabilities[1] - 1.0 / 3.0).abs() < 1e-12
        );
    }
}
