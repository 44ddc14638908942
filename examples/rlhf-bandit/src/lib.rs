//! DPO, PPO, GRPO and RLOO on one bandit, each measured against the closed-form optimum
//! `pi* = pi_ref exp(r / beta) / Z` that `exact` computes: a Markdown table of where each run
//! ends and a plot of `kl/optimal` against steps.

use prefopt::ExperimentConfig;
use prefopt::burn::tensor::Device;
use prefopt::train::plot::{LegendPosition, LineChart, Rgb, Series, save_chart};
use prefopt::train::{MemorySink, RunOptions, StartMode, run_experiment};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The configs compared, in table order, with the colour of their curve.
pub const RUNS: [(&str, Rgb); 5] = [
    ("exact", Rgb::BLACK),
    ("dpo", Rgb::BLUE),
    ("ppo", Rgb::RED),
    ("grpo", Rgb::ORANGE),
    ("rloo", Rgb::GREEN),
];

/// Where one run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The config's name.
    pub name: String,
    /// `KL(pi || pi*)` at the end.
    pub kl_optimal: f64,
    /// `KL(pi || pi_ref)` at the end.
    pub kl_reference: f64,
    /// `E_pi[r]` at the end.
    pub reward: f64,
    /// Steps trained.
    pub steps: usize,
    /// Wall time in seconds.
    pub seconds: f64,
    /// `(step, kl/optimal)` as logged.
    pub curve: Vec<(f64, f64)>,
}

/// The error of a comparison: which config, and what went wrong.
#[derive(Debug)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// Runs every config of [`RUNS`] from `configs` into `out/<name>/` (replacing earlier runs),
/// with `steps` overriding the configs' step counts when given; returns the rows.
pub fn compare(configs: &Path, out: &Path, steps: Option<usize>) -> Result<Vec<Row>, Error> {
    let mut rows = Vec::new();
    for (name, _) in RUNS {
        let path = configs.join(format!("{name}.toml"));
        let mut config =
            ExperimentConfig::load(&path).map_err(|e| Error(format!("{}: {e}", path.display())))?;
        if let Some(steps) = steps {
            config.train.steps = Some(steps);
        }
        let mut options = RunOptions::new(out.join(name), Device::default());
        options.start = StartMode::Overwrite;
        let summary = run_experiment(config, &options, &mut MemorySink::default())
            .map_err(|e| Error(format!("{name}: {e}")))?;
        let metric = |metric: &str| {
            summary
                .metric(metric)
                .ok_or_else(|| Error(format!("{name}: no `{metric}` in summary.json")))
        };
        rows.push(Row {
            name: name.to_string(),
            kl_optimal: metric("kl/optimal")?,
            kl_reference: metric("kl/reference")?,
            reward: metric("reward/true")?,
            steps: summary.summary["steps"].as_u64().unwrap_or(0) as usize,
            seconds: metric("wall_seconds")?,
            curve: summary.history.series("kl/optimal"),
        });
    }
    Ok(rows)
}

/// The rows as a Markdown table.
pub fn table(rows: &[Row]) -> String {
    let mut text = String::from(
        "| run | steps | kl/optimal | kl/reference | reward/true | seconds |\n|---|---|---|---|---|---|\n",
    );
    for row in rows {
        let kl_optimal = if row.kl_optimal == 0.0 {
            "0".to_string()
        } else {
            format!("{:.2e}", row.kl_optimal)
        };
        let _ = writeln!(
            text,
            "| {} | {} | {kl_optimal} | {:.4} | {:.4} | {:.1} |",
            row.name, row.steps, row.kl_reference, row.reward, row.seconds
        );
    }
    text
}

/// Writes `out/comparison.md` (the table) and `out/kl_optimal.svg` and `.png` (the curves on
/// a log scale; `exact`, at 0, has no curve) and returns the files written.
pub fn write_outputs(rows: &[Row], out: &Path) -> Result<Vec<PathBuf>, Error> {
    let io = |e: std::io::Error| Error(format!("{}: {e}", out.display()));
    std::fs::create_dir_all(out).map_err(io)?;
    let table_path = out.join("comparison.md");
    std::fs::write(&table_path, table(rows)).map_err(io)?;
    let mut chart = LineChart::new(
        "Distance to the closed-form optimum pi*",
        "step",
        "KL(pi || pi*) (log scale)",
    );
    chart.log_y = true;
    chart.legend = LegendPosition::UpperRight;
    for (name, color) in RUNS {
        let Some(row) = rows.iter().find(|row| row.name == name) else {
            continue;
        };
        let points: Vec<(f64, f64)> = row
            .curve
            .iter()
            .copied()
            .filter(|(_, kl)| *kl > 0.0)
            .collect();
        if points.len() >= 2 {
            chart.series.push(Series::new(name, color, points));
        }
    }
    let mut written = vec![table_path];
    written.extend(save_chart(&chart, out, "kl_optimal").map_err(|e| Error(format!("plot: {e}")))?);
    Ok(written)
}
