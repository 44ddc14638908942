//! Axis ranges and tick labels.

use std::ops::Range;

/// The range `[min, max]` of `values` widened by `margin` times its length on each side (in
/// log space when `log`); a single value is widened by 1 on each side (a factor of 2 when
/// `log`). `None` when there are no values.
pub(super) fn fitted_range(
    values: impl Iterator<Item = f64>,
    log: bool,
    margin: f64,
) -> Option<Range<f64>> {
    let (min, max) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if min > max {
        return None;
    }
    Some(if log {
        if min == max {
            min / 2.0..max * 2.0
        } else {
            let pad = (max / min).powf(margin);
            min / pad..max * pad
        }
    } else if min == max {
        min - 1.0..max + 1.0
    } else {
        let pad = margin * (max - min);
        min - pad..max + pad
    })
}

/// Tick marks of a base-10 logarithmic axis over `[lo, hi]` (`0 < lo < hi`): labelled (bold)
/// ticks at `m * 10^k` for mantissas `m` chosen by the number of decades spanned (1 to 9 within a
/// decade, then 1-2-5, then powers of ten, then every n-th power), and unlabelled (light) grid
/// lines at the remaining integer mantissas while that stays readable.
pub(super) fn log_ticks(lo: f64, hi: f64) -> (Vec<f64>, Vec<f64>) {
    let first = lo.log10().floor() as i32;
    let last = hi.log10().ceil() as i32;
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
    let scale = 10f64.powi(5 - magnitude);
    let rounded = (value * scale).round() / scale;
    if rounded == 0.0 {
        "0".into()
    } else if !(-4..6).contains(&magnitude) {
        format!("{rounded:e}")
    } else {
        format!("{rounded}")
    }
}
