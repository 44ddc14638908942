//! `prefopt plot RUN_DIR`: redraws a run directory's plots from its `metrics.jsonl`.

use anyhow::{Result, bail};
use clap::Args;
use prefopt::train::run_plots::redraw_run_plots;
use std::path::PathBuf;

/// `prefopt plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// The run directory (it holds `metrics.jsonl`); the plots go to its `plots/`.
    pub run_dir: PathBuf,
}

/// Redraws the plots and prints the files written.
pub fn run(args: &PlotArgs) -> Result<()> {
    if !args.run_dir.join("metrics.jsonl").is_file() {
        bail!(
            "{}: not a run directory (no metrics.jsonl)",
            args.run_dir.display()
        );
    }
    let written = redraw_run_plots(&args.run_dir)?;
    if written.is_empty() {
        println!(
            "{}: fewer than two logged steps, nothing to draw",
            args.run_dir.display()
        );
    }
    for path in written {
        println!("{}", path.display());
    }
    Ok(())
}
