//! `prefopt compare`: a sweep over methods (any registered algorithm and objective), their KL
//! coefficients, and seeds, from one base config; each run's point (true reward, KL to the
//! reference, KL to pi*) in tables and on the reward–KL frontier plot.
//!
//! ```toml
//! seeds = [0, 1]
//! base = "base.toml"            # optional: the shared config, relative to this file
//! [task]                        # or (also) the shared sections inline, merged over `base`
//! type = "bandit"
//! [[method]]
//! name = "dpo"
//! vary = { "algorithm.objective.beta" = [0.1, 0.5, 2.0] }
//! [method.algorithm]
//! type = "offline"
//! [method.algorithm.objective]
//! type = "dpo"
//! ```
//!
//! [`run_sweep`] plans every run ([`plan::plan`]: each config merged, parsed and validated as
//! `prefopt run` does), checks every method against its task without training
//! ([`plan::preflight`]), then runs them in order into `out/<method>/<key>=<value>/seed-<s>/`
//! ([`execute::execute`]): a run completed earlier with the same config is skipped, an
//! unfinished one resumed, a failed one recorded while the others go on. It writes
//! `points.csv`, `means.csv`, `points.md` and `frontier.svg`/`.png` into `out`.

pub mod execute;
pub mod frontier;
pub mod locate;
pub mod merge;
pub mod plan;
pub mod points;
pub mod sweep;
pub mod table;

pub use execute::Action;
pub use plan::{PlannedRun, RunId};
pub use points::{Estimate, Mean, Record};
pub use sweep::{Method, Sweep};

use prefopt_core::burn::tensor::Device;
use prefopt_core::fs::write_atomic;
use prefopt_core::{PrefoptError, StopFlag, TabularTruth};
use std::path::PathBuf;
use tracing::{info, warn};

/// How to run a sweep.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// The sweep's directory (`runs/<sweep stem>` in the command).
    pub out_dir: PathBuf,
    /// The device every run computes on.
    pub device: Device,
    /// Raised to stop: the current run checkpoints, the rest are not started.
    pub stop: StopFlag,
    /// The command line recorded in each run directory's lock.
    pub command: String,
}

/// What a sweep produced.
#[derive(Debug, Clone)]
pub struct CompareReport {
    /// One record per run, in plan order.
    pub records: Vec<Record>,
    /// What each run did this time, in the same order.
    pub actions: Vec<Action>,
    /// The means per (method, value).
    pub means: Vec<Mean>,
    /// pi*'s frontier, where the task's optimum is known exactly (empty otherwise).
    pub optimum: Vec<(f64, f64)>,
    /// The files written (tables, plot).
    pub files: Vec<PathBuf>,
}

impl CompareReport {
    /// Runs that did not complete (failed, interrupted, not run).
    pub fn unfinished(&self) -> usize {
        self.records.iter().filter(|r| !r.completed()).count()
    }

    /// Runs that failed.
    pub fn failed(&self) -> usize {
        self.records.iter().filter(|r| r.status == "failed").count()
    }
}

/// The betas of pi*'s curve: 241 values from 1e-3 to 1e3, spaced evenly in log scale.
const OPTIMUM_BETAS: (f64, f64, usize) = (1e-3, 1e3, 241);

/// Plans, checks and runs `sweep`, then writes its tables and plot into `options.out_dir`.
/// Errors before any training: a config that cannot be built or an algorithm that cannot run
/// on its task, naming the method entry and the value. A run that fails does not stop the
/// others: it is recorded (see [`CompareReport::failed`]).
pub fn run_sweep(sweep: &Sweep, options: &CompareOptions) -> Result<CompareReport, PrefoptError> {
    let out = &options.out_dir;
    let runs = plan::plan(sweep, out)?;
    let tasks = plan::preflight(sweep, &runs, &options.device)?;
    let mut truths: Vec<&TabularTruth> = Vec::new();
    for &seed in &sweep.seeds {
        let truth = runs
            .iter()
            .find(|run| run.id.seed == seed)
            .and_then(|run| plan::task_key(&run.config).ok())
            .and_then(|key| tasks.get(&key))
            .and_then(|task| task.truth());
        truths.extend(truth);
    }
    if truths.len() != sweep.seeds.len() {
        truths.clear();
    }
    let (low, high, count) = OPTIMUM_BETAS;
    let optimum = frontier::optimum_curve(&truths, &frontier::log_betas(low, high, count));
    drop(truths);
    drop(tasks);
    std::fs::create_dir_all(out).map_err(|source| PrefoptError::Io {
        path: out.clone(),
        source,
    })?;
    write_atomic(&out.join("sweep.toml"), sweep.file.text.as_bytes())?;
    info!(
        runs = runs.len(),
        methods = sweep.methods.len(),
        seeds = sweep.seeds.len(),
        out = %out.display(),
        "sweep planned; every config parsed and every method checked against its task"
    );
    let done = execute::execute(runs, &options.device, &options.stop, &options.command);
    let (records, actions): (Vec<Record>, Vec<Action>) = done.into_iter().unzip();
    let means = points::means(&records);
    let title = sweep
        .title
        .clone()
        .unwrap_or_else(|| format!("Reward–KL frontier: {}", sweep.stem()));
    let mut files = table::write_tables(out, &title, &records, &means)?;
    if means.iter().any(|m| points::xy(m).is_some()) {
        let chart = frontier::frontier_chart(&title, &means, &optimum);
        let plots = frontier::save_frontier(&chart, out).map_err(|error| PrefoptError::Io {
            path: out.join("frontier.svg"),
            source: std::io::Error::other(error.to_string()),
        })?;
        files.extend(plots);
    } else {
        warn!("no run has both reward/true and kl/reference: no frontier plot");
    }
    Ok(CompareReport {
        records,
        actions,
        means,
        optimum,
        files,
    })
}
