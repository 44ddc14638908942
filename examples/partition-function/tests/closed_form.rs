//! The tabulated curves against the closed form, computed by hand.

use partition_function_example::{
    BETA, X_MAX, X_MIN, X_POINTS, bump_scale, grid, row, sigmoid, symmetric_scale, table,
};

#[test]
fn normalized_curves_sum_to_one_everywhere() {
    let rows = table();
    assert_eq!(rows.len(), X_POINTS);
    for r in &rows {
        let sum = r.optimal[0] + r.optimal[1];
        assert!((sum - 1.0).abs() < 1e-12, "x = {}: pi* sums to {sum}", r.x);
    }
}

#[test]
fn optimum_matches_the_closed_form_by_hand() {
    // pi*(y|x) = pi_ref(y|x) f_y(x) / (pi_ref(0|x) f0(x) + pi_ref(1|x) f1(x)).
    for r in table() {
        let p1 = sigmoid(r.x);
        let p0 = 1.0 - p1;
        let w0 = p0 * symmetric_scale(r.x);
        let w1 = p1 * bump_scale(r.x);
        let z = w0 + w1;
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-300) + 1e-15;
        assert!(close(r.reference[0], p0), "x = {}", r.x);
        assert!(close(r.reference[1], p1), "x = {}", r.x);
        assert!(
            close(r.scaled[0], w0),
            "x = {}: {} vs {w0}",
            r.x,
            r.scaled[0]
        );
        assert!(
            close(r.scaled[1], w1),
            "x = {}: {} vs {w1}",
            r.x,
            r.scaled[1]
        );
        assert!(
            close(r.partition, z),
            "x = {}: Z {} vs {z}",
            r.x,
            r.partition
        );
        assert!(close(r.optimal[0], w0 / z), "x = {}", r.x);
        assert!(close(r.optimal[1], w1 / z), "x = {}", r.x);
    }
}

#[test]
fn partition_function_is_a_real_normalizer() {
    let rows = table();
    let (min, max) = rows.iter().fold((f64::INFINITY, 0f64), |(lo, hi), r| {
        (lo.min(r.partition), hi.max(r.partition))
    });
    // Z(x) is far from 1 on both sides: the scaled curves do not sum to 1.
    assert!(min < 0.1, "min Z = {min}");
    assert!(max > 2.0, "max Z = {max}");
    // And at every x it is exactly the sum of the scaled curves.
    for r in &rows {
        assert!((r.partition - r.scaled[0] - r.scaled[1]).abs() <= 1e-12 * r.partition);
    }
}

#[test]
fn symmetric_scale_is_even_and_positive() {
    for x in grid() {
        assert_eq!(symmetric_scale(x), symmetric_scale(-x), "x = {x}");
        assert!(symmetric_scale(x) > 0.0);
        assert!(bump_scale(x) > 0.0);
    }
    // The bump is not even: it is centred at x = 2.
    assert!(bump_scale(2.0) > bump_scale(-2.0));
}

#[test]
fn grid_covers_the_range() {
    let xs = grid();
    assert_eq!((xs[0], xs[xs.len() - 1]), (X_MIN, X_MAX));
}

#[test]
fn beta_does_not_change_the_scaled_curves() {
    // The rewards are beta ln f_y, so exp(r / beta) = f_y for every beta.
    for x in [-4.0, 0.0, 1.3, 5.0] {
        let a = row(x, BETA);
        let b = row(x, 0.1);
        assert!((a.partition - b.partition).abs() < 1e-12);
        assert!((a.optimal[1] - b.optimal[1]).abs() < 1e-12);
    }
}
