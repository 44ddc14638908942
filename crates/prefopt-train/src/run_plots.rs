//! The plots of a run directory, drawn from its logged metrics.

use crate::plot::{LineChart, Rgb, Series, save_panels};
use crate::sink::MemorySink;
use prefopt_core::PrefoptError;
use std::path::{Path, PathBuf};

/// Draws `dir/training.svg` and `.png`: the loss, and (when logged) `kl/optimal` and
/// `kl/reference` on a log scale, and `reward/true`, against the step. Returns the files
/// written (none when fewer than two steps were logged).
pub fn training_plots(history: &MemorySink, dir: &Path) -> Result<Vec<PathBuf>, PrefoptError> {
    let loss = history.series("loss");
    if loss.len() < 2 {
        return Ok(Vec::new());
    }
    let mut panels = vec![
        LineChart::new("Training loss", "step", "loss").with_series(Series::new(
            "loss",
            Rgb::BLUE,
            loss,
        )),
    ];
    let kl_optimal = history.series("kl/optimal");
    let kl_reference = history.series("kl/reference");
    if kl_optimal.len() >= 2 || kl_reference.len() >= 2 {
        let mut chart = LineChart::new("Distance to pi* and pi_ref", "step", "KL (log scale)");
        chart.log_y = true;
        for (name, color, points) in [
            ("KL(pi || pi*)", Rgb::RED, kl_optimal),
            ("KL(pi || pi_ref)", Rgb::GREY, kl_reference),
        ] {
            if points.len() >= 2 {
                chart.series.push(Series::new(name, color, points));
            }
        }
        panels.push(chart);
    }
    let reward = history.series("reward/true");
    if reward.len() >= 2 {
        panels.push(
            LineChart::new("True reward", "step", "E[r(x, y)]").with_series(Series::new(
                "reward/true",
                Rgb::GREEN,
                reward,
            )),
        );
    }
    save_panels(&panels, dir, "training").map_err(|error| PrefoptError::Io {
        path: dir.join("training"),
        source: std::io::Error::other(error.to_string()),
    })
}
