//! `prefopt run`.

use crate::cli::{LogFormat, RunArgs};
use crate::progress::{LOG_EVERY, ProgressSink};
use anyhow::{Context, Result};
use prefopt::train::{RunOptions, RunOutcome, StartMode, run_experiment};
use prefopt::{ExperimentConfig, StopFlag, parse_device};
use std::io::{ErrorKind, IsTerminal};
use std::path::{Path, PathBuf};
use tracing::{info, warn};

/// A run stopped by SIGINT or SIGTERM after writing its checkpoint: the command exits with
/// status 130 and says how to resume.
#[derive(Debug)]
pub struct Interrupted {
    steps: usize,
    resume: String,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "interrupted after {} steps, with a checkpoint; continue with: {}",
            self.steps, self.resume
        )
    }
}

impl std::error::Error for Interrupted {}

/// The exit status of an interrupted run (128 + SIGINT, as shells report Ctrl-C).
pub const INTERRUPTED_EXIT: u8 = 130;

/// Runs a config and prints the summary. SIGINT or SIGTERM stops the run after its current
/// step with a checkpoint ([`Interrupted`]); a second one exits at once.
pub fn run(args: &RunArgs, log_format: LogFormat) -> Result<()> {
    let config = ExperimentConfig::load(&args.config)?;
    let device = parse_device(&args.device)?;
    let out_dir = match &args.out {
        Some(dir) => dir.clone(),
        None => claim_fresh_run_dir(&args.config)?,
    };
    let mut options = RunOptions::new(out_dir, device);
    options.seed = args.seed;
    options.start = match (args.resume, args.overwrite) {
        (true, _) => StartMode::Resume,
        (false, true) => StartMode::Overwrite,
        (false, false) => StartMode::Fresh,
    };
    install_stop_handler(&options.stop);
    let interactive = matches!(log_format, LogFormat::Text) && std::io::stderr().is_terminal();
    let mut progress = ProgressSink::new(interactive, LOG_EVERY);
    let result = run_experiment(config, &options, &mut progress);
    progress.finish();
    let summary = result.with_context(|| format!("running {}", args.config.display()))?;
    println!("{}", serde_json::to_string_pretty(&summary.summary)?);
    info!(dir = %summary.out_dir.display(), "run directory");
    match summary.outcome {
        RunOutcome::Completed => Ok(()),
        RunOutcome::Interrupted { steps } => Err(Interrupted {
            steps,
            resume: resume_command(args, &summary.out_dir),
        }
        .into()),
    }
}

/// The command that resumes this run.
fn resume_command(args: &RunArgs, out: &Path) -> String {
    let seed = args
        .seed
        .map(|s| format!(" --seed {s}"))
        .unwrap_or_default();
    format!(
        "prefopt run {} --out {}{seed} --resume",
        args.config.display(),
        out.display()
    )
}

/// SIGINT (Ctrl-C) and SIGTERM raise `stop`: the run finishes its step, writes a checkpoint and
/// returns. A second signal exits at once.
fn install_stop_handler(stop: &StopFlag) {
    let stop = stop.clone();
    let installed = ctrlc::set_handler(move || {
        if stop.is_requested() {
            std::process::exit(i32::from(INTERRUPTED_EXIT));
        }
        stop.request();
        warn!(
            "stopping after the current step (a checkpoint is written); signal again to quit now"
        );
    });
    if let Err(error) = installed {
        warn!(%error, "no handler for SIGINT/SIGTERM: an interrupted run will not checkpoint");
    }
}

/// `runs/<config stem>`, or `runs/<stem>-2`, `-3`, ... when taken, created here so that two
/// runs started at once never pick the same one: a new run never replaces an old one.
fn claim_fresh_run_dir(config: &Path) -> Result<PathBuf> {
    let stem = config
        .file_stem()
        .map_or_else(|| "run".to_string(), |s| s.to_string_lossy().into_owned());
    let base = PathBuf::from("runs");
    std::fs::create_dir_all(&base).with_context(|| format!("creating {}", base.display()))?;
    for n in 1.. {
        let dir = match n {
            1 => base.join(&stem),
            n => base.join(format!("{stem}-{n}")),
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(error) if error.kind() == ErrorKind::AlreadyExists => continue,
            Err(error) => {
                return Err(error).with_context(|| format!("creating {}", dir.display()));
            }
        }
    }
    unreachable!("some numbered run directory is free")
}
