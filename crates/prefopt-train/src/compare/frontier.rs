//! The reward–KL frontier plot, and pi*'s frontier on tasks whose optimum is known exactly.

use super::points::{Mean, xy};
use crate::plot::{
    LegendPosition, LineChart, Marker, MarkerShape, PlotError, Rgb, Series, save_chart,
};
use prefopt_core::TabularTruth;
use prefopt_partition::{OptimalPolicy, compare};
use std::path::{Path, PathBuf};

/// The colours of the methods, in order (matplotlib's `tab10`).
const PALETTE: [Rgb; 10] = [
    Rgb::BLUE,
    Rgb::ORANGE,
    Rgb::GREEN,
    Rgb::RED,
    Rgb::PURPLE,
    Rgb(140, 86, 75),
    Rgb(227, 119, 194),
    Rgb::GREY,
    Rgb(188, 189, 34),
    Rgb(23, 190, 207),
];

/// pi*'s frontier: `(KL(pi*_beta || pi_ref), E_{pi*_beta}[r])` for `betas`, each averaged over
/// `truths` (one per seed: a bandit draws its table from the seed, as the sweep's points do),
/// sorted by KL. pi*_beta = pi_ref exp(r/beta) / Z maximizes `E[r] - beta KL` (Rafailov et al.
/// 2023, arXiv:2305.18290, eq. 4), so no policy has a larger reward at the same KL: every
/// method's points lie on or below this curve.
pub fn optimum_curve(truths: &[&TabularTruth], betas: &[f64]) -> Vec<(f64, f64)> {
    if truths.is_empty() {
        return Vec::new();
    }
    let mut curve: Vec<(f64, f64)> = betas
        .iter()
        .map(|&beta| {
            let (mut kl, mut reward) = (0.0, 0.0);
            for truth in truths {
                let optimal = OptimalPolicy::of(truth, beta);
                let metrics = compare(truth, &optimal.log_probs, None);
                let get = |name: &str| {
                    metrics
                        .iter()
                        .find(|(n, _)| n == name)
                        .map_or(f64::NAN, |(_, v)| *v)
                };
                kl += get("kl/reference");
                reward += get("reward/true");
            }
            let n = truths.len() as f64;
            (kl / n, reward / n)
        })
        .filter(|(kl, reward)| kl.is_finite() && reward.is_finite())
        .collect();
    curve.sort_by(|a, b| a.0.total_cmp(&b.0));
    curve
}

/// `count` betas spaced evenly in log scale from `low` to `high`.
pub fn log_betas(low: f64, high: f64, count: usize) -> Vec<f64> {
    let (a, b) = (low.log10(), high.log10());
    (0..count)
        .map(|i| 10f64.powf(a + (b - a) * i as f64 / (count.max(2) - 1) as f64))
        .collect()
}

/// The chart: per method, its frontier's means joined in order of KL (filled markers) and its
/// dominated means as hollow markers, with standard-error bars; pi*'s curve dashed in black.
/// The curve is cut at a little beyond the largest KL of the points.
pub fn frontier_chart(title: &str, means: &[Mean], optimum: &[(f64, f64)]) -> LineChart {
    let mut chart = LineChart::new(title, "KL(π ‖ π_ref)", "true reward E[r(x, y)]");
    chart.legend = LegendPosition::LowerRight;
    chart.x_margin = 0.03;
    let mut methods: Vec<&str> = Vec::new();
    for mean in means {
        if !methods.contains(&mean.method.as_str()) {
            methods.push(&mean.method);
        }
    }
    let max_kl = means
        .iter()
        .filter_map(xy)
        .map(|(kl, _)| kl)
        .fold(0.0f64, f64::max);
    if !optimum.is_empty() {
        let limit = if max_kl > 0.0 {
            max_kl * 1.15
        } else {
            f64::INFINITY
        };
        let curve: Vec<(f64, f64)> = optimum
            .iter()
            .copied()
            .filter(|(kl, _)| *kl <= limit)
            .collect();
        chart.series.push(
            Series::new("π* (closed form)", Rgb::BLACK, curve)
                .dashed()
                .width(2),
        );
    }
    for (index, method) in methods.iter().enumerate() {
        let color = PALETTE[index % PALETTE.len()];
        let shape = MarkerShape::ALL[index % MarkerShape::ALL.len()];
        let mut on: Vec<&Mean> = Vec::new();
        let mut off: Vec<&Mean> = Vec::new();
        for mean in means
            .iter()
            .filter(|m| m.method == *method && xy(m).is_some())
        {
            if mean.frontier {
                on.push(mean);
            } else {
                off.push(mean);
            }
        }
        on.sort_by(|a, b| xy(a).unwrap().0.total_cmp(&xy(b).unwrap().0));
        let points = |set: &[&Mean]| set.iter().filter_map(|m| xy(m)).collect::<Vec<_>>();
        let bars = |set: &[&Mean]| {
            set.iter()
                .map(|m| {
                    let se =
                        |e: Option<super::points::Estimate>| e.and_then(|e| e.se).unwrap_or(0.0);
                    (se(m.kl_reference), se(m.reward))
                })
                .collect::<Vec<_>>()
        };
        chart.series.push(
            Series::new(*method, color, points(&on))
                .markers(Marker::filled(shape))
                .error_bars(bars(&on)),
        );
        if !off.is_empty() {
            chart.series.push(
                Series::new("", color, points(&off))
                    .without_line()
                    .markers(Marker::hollow(shape))
                    .error_bars(bars(&off)),
            );
        }
    }
    chart
}

/// Writes `dir/frontier.svg` and `dir/frontier.png`.
pub fn save_frontier(chart: &LineChart, dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    save_chart(chart, dir, "frontier")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_optimum_trades_kl_for_reward_monotonically() {
        let truth = TabularTruth {
            contexts: 1,
            outputs: 3,
            reference_logps: [0.5f64, 0.3, 0.2].iter().map(|p| p.ln()).collect(),
            rewards: vec![0.0, 1.0, 2.0],
        };
        let curve = optimum_curve(&[&truth], &log_betas(0.01, 100.0, 50));
        assert_eq!(curve.len(), 50);
        // At beta -> infinity pi* = pi_ref: KL 0 and the reference's mean reward 0.7.
        assert!(curve[0].0 < 1e-4, "{:?}", curve[0]);
        assert!((curve[0].1 - 0.7).abs() < 1e-2, "{:?}", curve[0]);
        // At beta -> 0 pi* picks the best action: reward 2, KL -log 0.2.
        let last = curve[curve.len() - 1];
        assert!(
            (last.1 - 2.0).abs() < 1e-6 && (last.0 + 0.2f64.ln()).abs() < 1e-6,
            "{last:?}"
        );
        assert!(curve.windows(2).all(|w| w[1].1 >= w[0].1 - 1e-12));
    }
}
