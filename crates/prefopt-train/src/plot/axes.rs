//! Axis ranges and tick labels.

use std::ops::Range;

/// The smallest positive f64 (a subnormal): the floor of a log axis.
const SMALLEST_POSITIVE: f64 = 5e-324;

/// The widest linear axis: its length `end - start` stays finite.
const LINEAR_LIMIT: f64 = f64::MAX / 2.0;

/// The range `[min, max]` of the finite `values` (positive ones when `log`) widened by `margin`
/// times its length on each side (in log space when `log`); a single value is widened by 1 or a
/// tenth of its size on each side, whichever is larger (a factor of 2 when `log`). `None` when
/// there are no such values.
///
/// The range is always drawable, however extreme the data: a log range stays within the
/// positive f64 values, a linear one within `±f64::MAX / 2` so that its length is finite (data
/// beyond that is clipped).
pub(super) fn fitted_range(
    values: impl Iterator<Item = f64>,
    log: bool,
    margin: f64,
) -> Option<Range<f64>> {
    let (min, max) = values
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if min > max {
        return None;
    }
    let range = if log {
        let (start, end) = if min == max {
            (min / 2.0, max * 2.0)
        } else {
            // In log space, where the ratio max / min cannot overflow.
            let (lo, hi) = (min.log10(), max.log10());
            let pad = margin * (hi - lo);
            (10f64.powf(lo - pad), 10f64.powf(hi + pad))
        };
        let start = start.clamp(SMALLEST_POSITIVE, f64::MAX);
        let end = end.clamp(SMALLEST_POSITIVE, f64::MAX);
        if start < end {
            start..end
        } else {
            // Both ends clamped to the same bound: the data sits at the edge of f64.
            (end / 4.0).max(SMALLEST_POSITIVE)..end.max(SMALLEST_POSITIVE * 4.0)
        }
    } else {
        let (start, end) = if min == max {
            let pad = 1f64.max(min.abs() / 10.0);
            (min - pad, max + pad)
        } else {
            // `margin * max - margin * min` rather than `margin * (max - min)`, which overflows.
            let pad = margin * max - margin * min;
            (min - pad, max + pad)
        };
        let start = start.clamp(-LINEAR_LIMIT, LINEAR_LIMIT);
        let end = end.clamp(-LINEAR_LIMIT, LINEAR_LIMIT);
        if start < end {
            start..end
        } else {
            start - 1.0f64.max(start.abs() / 10.0)..end
        }
    };
    Some(range)
}

/// Tick marks of a base-10 logarithmic axis over `[lo, hi]` (`0 < lo < hi`): labelled (bold)
/// ticks at `m * 10^k` for mantissas `m` chosen by the number of decades spanned (1 to 9 within a
/// decade, then 1-2-5, then powers of ten, then every n-th power), and unlabelled (light) grid
/// lines at the remaining integer mantissas while that stays readable.
///
/// Bounded whatever the input: the decades are those of the positive f64 range (about 633), so
/// at most about 5,700 candidates are looked at and a few dozen kept; a range that is not
/// `0 < lo < hi` (finite) has no ticks.
pub(super) fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    if !(lo > 0.0 && hi > lo && hi.is_finite()) {
        return (Vec::new(), Vec::new());
    }
    // log10 of positive finite f64 values lies in [-324, 309]: the loop below is bounded.
    let first = lo.log10().floor().clamp(-324.0, 309.0) as i32;
    let last = hi.log10().ceil().clamp(-324.0, 309.0) as i32;
    let decades = last - first;
    let (mantissas, every): (&[f64], i32) = match decades {
        ..=1 => (&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], 1),
        2..=3 => (&[1.0, 2.0, 5.0], 1),
        4..=8 => (&[1.0], 1),
        _ => (&[1.0], (decades + 7) / 8),
    };
    let in_range = |v: &f64| *v >= lo * (1.0 - 1e-12) && *v <= hi * (1.0 + 1e-12);
    let mut bold = Vec::new();
    let mut light = Vec::new();
    for k in first..=last {
        let power = 10f64.powi(k);
        for m in 1..=9 {
            let m = f64::from(m);
            let value = m * power;
            if !in_range(&value) {
                continue;
            }
            if mantissas.contains(&m) && k.rem_euclid(every) == 0 {
                bold.push(value);
            } else if decades <= 6 {
                light.push(value);
            }
        }
    }
    (bold, light)
}

/// A tick label on an axis whose visible range is `span` long: `value` rounded to 6 significant
/// digits, printed in its shortest form (so `0.30000000000000004` reads `0.3`), `0` when it is
/// zero up to rounding noise (`|value| < 1e-9 span`), in scientific notation when it is very
/// large or very small.
pub(super) fn format_tick(value: f64, span: f64) -> String {
    if value.abs() < 1e-9 * span || value == 0.0 || !value.is_finite() {
        return if value.is_finite() {
            "0".into()
        } else {
            value.to_string()
        };
    }
    let magnitude = value.abs().log10().floor() as i32;
    // Rounded through its decimal text: scaling by 10^(5 - magnitude) overflows at the ends of
    // f64.
    let rounded: f64 = format!("{value:.5e}").parse().unwrap_or(value);
    if rounded == 0.0 {
        "0".into()
    } else if !(-4..6).contains(&magnitude) {
        format!("{rounded:e}")
    } else {
        format!("{rounded}")
    }
}
