//! The toy problem: reference policy, rewards, and the closed-form optimum on a grid of contexts.

use prefopt_partition::closed_form::{log_partition, optimal_log_policy, unnormalized_log_weights};

/// The KL coefficient `beta`. The rewards are `beta ln f_y(x)`, so the scales `exp(r/beta)` are
/// `f_y(x)` whatever its value.
pub const BETA: f64 = 1.0;

/// Left end of the context range.
pub const X_MIN: f64 = -6.0;

/// Right end of the context range.
pub const X_MAX: f64 = 6.0;

/// Number of grid points over `[X_MIN, X_MAX]` (a step of 0.025).
pub const X_POINTS: usize = 481;

/// The logistic function `1 / (1 + exp(-x))`.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + exp(z))` without overflow.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// `[ln pi_ref(y=0|x), ln pi_ref(y=1|x)] = [ln(1 - sigmoid(x)), ln sigmoid(x)]`, computed as
/// `[-softplus(x), -softplus(-x)]` so that neither underflows.
pub fn reference_log_policy(x: f64) -> [f64; 2] {
    [-softplus(x), -softplus(-x)]
}

/// `ln f0(x) = ln 2 - x^2 / 8`.
fn log_symmetric_scale(x: f64) -> f64 {
    std::f64::consts::LN_2 - x * x / 8.0
}

/// `ln f1(x) = ln 3 - (x - 2)^2 / 2`.
fn log_bump_scale(x: f64) -> f64 {
    3f64.ln() - (x - 2.0).powi(2) / 2.0
}

/// The scale of output `y = 0`: `f0(x) = 2 exp(-x^2 / 8)`, positive and even (symmetric about
/// the y axis), largest at `x = 0`.
pub fn symmetric_scale(x: f64) -> f64 {
    log_symmetric_scale(x).exp()
}

/// The scale of output `y = 1`: `f1(x) = 3 exp(-(x - 2)^2 / 2)`, a positive Gaussian bump
/// centred at `x = 2`.
pub fn bump_scale(x: f64) -> f64 {
    log_bump_scale(x).exp()
}

/// The rewards `[r(x,0), r(x,1)] = [beta ln f0(x), beta ln f1(x)]`, so that
/// `exp(r(x,y)/beta) = f_y(x)`.
pub fn rewards(x: f64, beta: f64) -> [f64; 2] {
    [beta * log_symmetric_scale(x), beta * log_bump_scale(x)]
}

/// Every quantity of the picture at one context `x`; index 0 is `y = 0`, index 1 is `y = 1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// The context.
    pub x: f64,
    /// `pi_ref(y|x)`.
    pub reference: [f64; 2],
    /// The unnormalized `pi_ref(y|x) exp(r(x,y)/beta)`.
    pub scaled: [f64; 2],
    /// The partition function `Z(x) = sum_y pi_ref(y|x) exp(r(x,y)/beta)`.
    pub partition: f64,
    /// The optimum `pi*(y|x) = pi_ref(y|x) exp(r(x,y)/beta) / Z(x)`.
    pub optimal: [f64; 2],
}

/// All quantities at context `x` for KL coefficient `beta`, from the library's closed form
/// (`unnormalized_log_weights`, `log_partition`, `optimal_log_policy`).
pub fn row(x: f64, beta: f64) -> Row {
    let reference = reference_log_policy(x);
    let rewards = rewards(x, beta);
    let scaled = unnormalized_log_weights(&reference, &rewards, beta);
    let optimal = optimal_log_policy(&reference, &rewards, beta);
    Row {
        x,
        reference: reference.map(f64::exp),
        scaled: [scaled[0].exp(), scaled[1].exp()],
        partition: log_partition(&reference, &rewards, beta).exp(),
        optimal: [optimal[0].exp(), optimal[1].exp()],
    }
}

/// `X_POINTS` evenly spaced contexts from `X_MIN` to `X_MAX`, both included.
pub fn grid() -> Vec<f64> {
    let step = (X_MAX - X_MIN) / (X_POINTS - 1) as f64;
    (0..X_POINTS)
        .map(|i| {
            if i + 1 == X_POINTS {
                X_MAX
            } else {
                X_MIN + step * i as f64
            }
        })
        .collect()
}

/// [`row`] at every context of [`grid`], with `beta =` [`BETA`].
pub fn table() -> Vec<Row> {
    grid().into_iter().map(|x| row(x, BETA)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_by_hand() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!((sigmoid(2.0) - 1.0 / (1.0 + (-2f64).exp())).abs() < 1e-15);
        assert!((sigmoid(-3.0) + sigmoid(3.0) - 1.0).abs() < 1e-15);
        assert_eq!(sigmoid(-800.0), 0.0);
        assert_eq!(sigmoid(800.0), 1.0);
    }

    #[test]
    fn reference_log_policy_matches_sigmoid() {
        for x in [-6.0, -1.5, 0.0, 0.7, 6.0] {
            let [l0, l1] = reference_log_policy(x);
            assert!((l1.exp() - sigmoid(x)).abs() < 1e-15);
            assert!((l0.exp() - (1.0 - sigmoid(x))).abs() < 1e-15);
        }
        // Far in the tails the log stays finite: ln(1 - sigmoid(800)) = -800, not ln 0.
        assert_eq!(reference_log_policy(800.0)[0], -800.0);
    }

    #[test]
    fn scales_by_hand() {
        assert_eq!(symmetric_scale(0.0), 2.0);
        assert!((symmetric_scale(2.0) - 2.0 * (-0.5f64).exp()).abs() < 1e-15);
        assert!((bump_scale(2.0) - 3.0).abs() < 1e-15);
        assert!((bump_scale(0.0) - 3.0 * (-2f64).exp()).abs() < 1e-15);
        let [r0, r1] = rewards(1.0, 0.5);
        assert!((r0 - 0.5 * symmetric_scale(1.0).ln()).abs() < 1e-15);
        assert!((r1 - 0.5 * bump_scale(1.0).ln()).abs() < 1e-15);
    }

    #[test]
    fn row_at_zero_by_hand() {
        // pi_ref = (1/2, 1/2), f = (2, 3 e^-2): scaled = (1, 1.5 e^-2), Z = 1 + 1.5 e^-2.
        let r = row(0.0, BETA);
        let z = 1.0 + 1.5 * (-2f64).exp();
        assert!((r.scaled[0] - 1.0).abs() < 1e-14);
        assert!((r.scaled[1] - 1.5 * (-2f64).exp()).abs() < 1e-14);
        assert!((r.partition - z).abs() < 1e-14);
        assert!((r.optimal[0] - 1.0 / z).abs() < 1e-14);
    }

    #[test]
    fn grid_spans_the_range() {
        let xs = grid();
        assert_eq!(xs.len(), X_POINTS);
        assert_eq!(xs[0], X_MIN);
        assert_eq!(xs[X_POINTS - 1], X_MAX);
        assert!((xs[1] - xs[0] - 0.025).abs() < 1e-12);
        assert!(xs.windows(2).all(|w| w[0] < w[1]));
    }
}
