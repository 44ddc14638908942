//! `prefopt run`.

use crate::cli::RunArgs;
use crate::progress::ProgressSink;
use anyhow::{Context, Result, bail};
use prefopt::train::{RunOptions, run_experiment};
use prefopt::{ExperimentConfig, parse_device};
use std::path::{Path, PathBuf};

/// Runs a config and prints the summary.
pub fn run(args: &RunArgs) -> Result<()> {
    let config = ExperimentConfig::load(&args.config)?;
    let device = parse_device(&args.device)?;
    let out_dir = match &args.out {
        Some(dir) => {
            if holds_a_run(dir) && !args.overwrite {
                bail!(
                    "{} already holds a run (summary.json or metrics.jsonl); pass --overwrite to \
                     replace it, or choose another --out",
                    dir.display()
                );
            }
            dir.clone()
        }
        None => fresh_run_dir(&args.config),
    };
    let options = RunOptions {
        out_dir,
        device,
        seed: args.seed,
    };
    let mut progress = ProgressSink::new();
    let result = run_experiment(config, &options, &mut progress);
    progress.finish();
    let summary = result.with_context(|| format!("running {}", args.config.display()))?;
    println!("{}", serde_json::to_string_pretty(&summary.summary)?);
    eprintln!("run directory: {}", summary.out_dir.display());
    Ok(())
}

fn holds_a_run(dir: &Path) -> bool {
    dir.join("summary.json").exists() || dir.join("metrics.jsonl").exists()
}

/// `runs/<config stem>`, or `runs/<stem>-2`, `-3`, ... when taken: a new run never replaces an
/// old one.
fn fresh_run_dir(config: &Path) -> PathBuf {
    let stem = config
        .file_stem()
        .map_or_else(|| "run".to_string(), |s| s.to_string_lossy().into_owned());
    let base = PathBuf::from("runs");
    let first = base.join(&stem);
    if !first.exists() {
        return first;
    }
    (2..)
        .map(|n| base.join(format!("{stem}-{n}")))
        .find(|dir| !dir.exists())
        .expect("some numbered directory is free")
}
