//! The three panels of the figure: reference policy, scaled curves with `Z(x)`, optimum.

use prefopt_train::plot::{LegendPosition, LineChart, Rgb, Series};

use crate::model::{Row, bump_scale, symmetric_scale};

/// Colour of output `y = 0`.
const COLOR_Y0: Rgb = Rgb::BLUE;
/// Colour of output `y = 1`.
const COLOR_Y1: Rgb = Rgb::RED;
/// Colour of the partition function.
const COLOR_Z: Rgb = Rgb::GREEN;

/// The points `(x, value(row))` of every row.
fn curve(rows: &[Row], value: impl Fn(&Row) -> f64) -> Vec<(f64, f64)> {
    rows.iter().map(|r| (r.x, value(r))).collect()
}

/// The three panels, left to right:
/// 1. the reference policy `pi_ref(y|x)`;
/// 2. the partition function `Z(x)` (green, wide, underneath), the scaled curves
///    `pi_ref(y|x) exp(r(x,y)/beta)` that sum to it and, dashed, the scales `exp(r(x,y)/beta)`;
/// 3. the optimum `pi*(y|x)` and, dashed, `pi*(0|x) + pi*(1|x) = 1`.
///
/// `y = 0` is blue, `y = 1` red.
pub fn charts(rows: &[Row]) -> [LineChart; 3] {
    let mut reference = LineChart::new("Reference policy π_ref(y|x)", "context x", "probability")
        .with_series(Series::new(
            "π_ref(y=0|x) = 1 − σ(x)",
            COLOR_Y0,
            curve(rows, |r| r.reference[0]),
        ))
        .with_series(Series::new(
            "π_ref(y=1|x) = σ(x)",
            COLOR_Y1,
            curve(rows, |r| r.reference[1]),
        ));
    reference.y_range = Some((-0.05, 1.1));
    reference.legend = LegendPosition::MiddleRight;

    let mut scaled = LineChart::new(
        "Scaled by exp(r(x,y)/β), summing to Z(x)",
        "context x",
        "unnormalized weight",
    )
    // Z(x) first and wide, so the scaled curve it runs along stays visible on top of it.
    .with_series(
        Series::new(
            "Z(x) = sum of the two",
            COLOR_Z,
            curve(rows, |r| r.partition),
        )
        .width(5),
    )
    .with_series(
        Series::new(
            "exp(r(x,0)/β) = 2 exp(−x²/8)",
            COLOR_Y0,
            curve(rows, |r| symmetric_scale(r.x)),
        )
        .dashed(),
    )
    .with_series(
        Series::new(
            "exp(r(x,1)/β) = 3 exp(−(x−2)²/2)",
            COLOR_Y1,
            curve(rows, |r| bump_scale(r.x)),
        )
        .dashed(),
    )
    .with_series(Series::new(
        "π_ref(0|x) exp(r(x,0)/β)",
        COLOR_Y0,
        curve(rows, |r| r.scaled[0]),
    ))
    .with_series(Series::new(
        "π_ref(1|x) exp(r(x,1)/β)",
        COLOR_Y1,
        curve(rows, |r| r.scaled[1]),
    ));
    scaled.legend = LegendPosition::UpperLeft;

    let mut optimal = LineChart::new(
        "Normalized: π*(y|x) = π_ref(y|x) exp(r(x,y)/β) / Z(x)",
        "context x",
        "probability",
    )
    .with_series(
        Series::new(
            "π*(0|x) + π*(1|x) = 1",
            Rgb::GREY,
            curve(rows, |r| r.optimal[0] + r.optimal[1]),
        )
        .dashed(),
    )
    .with_series(Series::new(
        "π*(y=0|x)",
        COLOR_Y0,
        curve(rows, |r| r.optimal[0]),
    ))
    .with_series(Series::new(
        "π*(y=1|x)",
        COLOR_Y1,
        curve(rows, |r| r.optimal[1]),
    ));
    optimal.y_range = Some((-0.05, 1.1));
    optimal.legend = LegendPosition::MiddleLeft;

    [reference, scaled, optimal]
}
