//! The plots of a run directory, drawn from its logged metrics.

use crate::plot::{LineChart, Rgb, Series, save_panels};
use crate::sink::{MemorySink, parse_record};
use prefopt_core::PrefoptError;
use std::path::{Path, PathBuf};

/// Draws `dir/training.svg` and `.png`: the loss, and (when logged) `kl/optimal` and
/// `kl/reference` on a log scale, `reward/true`, and the held-out split's loss (in the loss
/// panel), preference accuracy and reward margin beside the training batches'
/// ([`held_out_panels`]), against the step. Returns the files
/// written (none when fewer than two steps were logged).
pub fn training_plots(history: &MemorySink, dir: &Path) -> Result<Vec<PathBuf>, PrefoptError> {
    let loss = history.series("loss");
    if loss.len() < 2 {
        return Ok(Vec::new());
    }
    let mut loss_chart = LineChart::new("Training loss", "step", "loss").with_series(Series::new(
        "loss",
        Rgb::BLUE,
        loss,
    ));
    let held_out_loss = history.series("eval_loss");
    if held_out_loss.len() >= 2 {
        loss_chart.title = "Loss".into();
        loss_chart
            .series
            .push(Series::new("eval_loss", Rgb::ORANGE, held_out_loss));
    }
    let mut panels = vec![loss_chart];
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
    panels.extend(held_out_panels(history));
    save_panels(&panels, dir, "training").map_err(|error| PrefoptError::Io {
        path: dir.join("training"),
        source: std::io::Error::other(error.to_string()),
    })
}

/// Redraws the plots of the run directory `dir` (`dir/plots/training.*`) from its
/// `metrics.jsonl`, as the run draws them when it ends; an interrupted or still-running run's
/// lines so far are drawn, an incomplete last line is left out. Returns the files written.
///
/// # Errors
/// When `dir/metrics.jsonl` cannot be read, a line other than the last is not a metrics
/// record (the error names its line), or the plots cannot be written.
pub fn redraw_run_plots(dir: &Path) -> Result<Vec<PathBuf>, PrefoptError> {
    let path = dir.join("metrics.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|source| PrefoptError::Io {
        path: path.clone(),
        source,
    })?;
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let mut history = MemorySink::default();
    for (index, line) in lines.iter().enumerate() {
        match parse_record(line) {
            Some(record) => history.records.push(record),
            None if index + 1 == lines.len() => {}
            None => {
                return Err(PrefoptError::Data(format!(
                    "{}:{}: not a metrics record (a JSON object with a `step`)",
                    path.display(),
                    index + 1
                )));
            }
        }
    }
    training_plots(&history, &dir.join("plots"))
}

/// Where a held-out split is evaluated (`eval_loss` logged at two steps or more), TRL's
/// preference curves, each held-out series beside its training-batch one:
/// `rewards/accuracies` (the share of pairs whose implicit reward ranks chosen above rejected)
/// and `rewards/margins`.
fn held_out_panels(history: &MemorySink) -> Vec<LineChart> {
    if history.series("eval_loss").len() < 2 {
        return Vec::new();
    }
    [
        (
            "Preference accuracy",
            "rewards/accuracies",
            "eval_rewards/accuracies",
            "chosen ranked above rejected",
        ),
        (
            "Reward margin",
            "rewards/margins",
            "eval_rewards/margins",
            "r(x, y_w) - r(x, y_l)",
        ),
    ]
    .into_iter()
    .filter_map(|(title, train, held_out, y_label)| {
        let held_out_points = history.series(held_out);
        (held_out_points.len() >= 2).then(|| {
            let mut chart = LineChart::new(title, "step", y_label);
            let train_points = history.series(train);
            if train_points.len() >= 2 {
                chart
                    .series
                    .push(Series::new(train, Rgb::GREY, train_points));
            }
            chart
                .series
                .push(Series::new(held_out, Rgb::ORANGE, held_out_points));
            chart
        })
    })
    .collect()
}
