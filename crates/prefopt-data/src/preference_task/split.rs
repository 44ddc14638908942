//! The held-out split taken from the training file (`eval_fraction`).

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// Splits positions `0..n` into `(train, eval)`: `round(n * fraction)` positions (at least one,
/// and at least one left to train on) drawn by a shuffle seeded with `seed` go to eval. Both
/// lists are in file order. Needs `n >= 2` and `0 < fraction < 1`.
pub fn split_positions(
    n: usize,
    fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), String> {
    if n < 2 {
        return Err(format!(
            "`eval_fraction` needs at least 2 usable examples (one to train on, one held out), found {n}"
        ));
    }
    let count = ((n as f64 * fraction).round() as usize).clamp(1, n - 1);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    let mut eval = order[..count].to_vec();
    let mut train = order[count..].to_vec();
    eval.sort_unstable();
    train.sort_unstable();
    Ok((train, eval))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_disjointness() {
        let (train, eval) = split_positions(10, 0.25, 3).unwrap();
        // round(2.5) = 3 (half away from zero).
        assert_eq!((train.len(), eval.len()), (7, 3));
        let mut all: Vec<usize> = train.iter().chain(&eval).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert!(train.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(split_positions(10, 0.25, 3).unwrap(), (train, eval));
        assert_eq!(split_positions(3, 0.01, 0).unwrap().1.len(), 1);
        assert_eq!(split_positions(3, 0.99, 0).unwrap().0.len(), 1);
        assert!(split_positions(1, 0.5, 0).is_err());
        assert_ne!(
            split_positions(100, 0.1, 1).unwrap().1,
            split_positions(100, 0.1, 2).unwrap().1
        );
    }
}
