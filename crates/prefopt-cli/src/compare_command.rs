//! `prefopt compare SWEEP.toml`: a sweep of methods, coefficients and seeds, with its tables and
//! reward–KL frontier plot.

use crate::run_command::INTERRUPTED_EXIT;
use anyhow::{Context, Result, bail};
use clap::Args;
use prefopt::train::compare::{Action, CompareOptions, Sweep, run_sweep};
use prefopt::{StopFlag, parse_device};
use std::path::PathBuf;
use tracing::{info, warn};

/// `prefopt compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The sweep file (TOML): a base config, `seeds = [...]` and `[[method]]` entries, each with
    /// a `name`, its config sections and `vary = { "KEY.PATH" = [values] }`
    /// (docs/guides/compare.md).
    pub sweep: PathBuf,
    /// The sweep's directory (default: runs/<sweep name>). Runs completed there with the same
    /// config are skipped, so running the command again resumes the sweep.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The device: flex (pure-Rust CPU), tch-cpu, tch-cuda:N, cuda:N, or default.
    #[arg(long, env = "PREFOPT_DEVICE", default_value = "flex")]
    pub device: String,
}

/// Runs the sweep; exits non-zero when a run failed, naming how many, after writing every
/// table and the plot.
pub fn run(args: &CompareArgs) -> Result<()> {
    let sweep = Sweep::load(&args.sweep)?;
    let device = parse_device(&args.device)?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(sweep.stem()));
    let stop = StopFlag::new();
    install_stop_handler(&stop);
    let options = CompareOptions {
        out_dir: out_dir.clone(),
        device,
        stop: stop.clone(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    let report = run_sweep(&sweep, &options)
        .with_context(|| format!("comparing {}", args.sweep.display()))?;
    let count = |action: Action| report.actions.iter().filter(|a| **a == action).count();
    info!(
        ran = count(Action::Ran),
        skipped = count(Action::Skipped),
        failed = report.failed(),
        "sweep done"
    );
    for file in &report.files {
        println!("{}", file.display());
    }
    if stop.is_requested() {
        bail!(
            "interrupted: the run in progress wrote a checkpoint and the rest were not started; \
             continue with: prefopt compare {} --out {}",
            args.sweep.display(),
            out_dir.display()
        );
    }
    if report.unfinished() > 0 {
        bail!(
            "{} of {} runs did not complete (see {}); the others are in the tables and the \
             plot; run the command again to retry them",
            report.unfinished(),
            report.records.len(),
            out_dir.join("points.md").display()
        );
    }
    Ok(())
}

/// SIGINT/SIGTERM: the current run checkpoints and the sweep stops; a second signal exits.
fn install_stop_handler(stop: &StopFlag) {
    let stop = stop.clone();
    let installed = ctrlc::set_handler(move || {
        if stop.is_requested() {
            std::process::exit(i32::from(INTERRUPTED_EXIT));
        }
        stop.request();
        warn!("stopping the sweep after the current run's step; signal again to quit now");
    });
    if let Err(error) = installed {
        warn!(%error, "no handler for SIGINT/SIGTERM: an interrupted sweep will not checkpoint");
    }
}
