//! Running a planned sweep: completed runs are skipped, unfinished ones resumed, failures
//! recorded without stopping the others.

use super::plan::PlannedRun;
use super::points::Record;
use crate::run::{RunOptions, run_experiment};
use crate::run_dir::{DirContents, RunStatus, StartMode};
use prefopt_core::burn::tensor::Device;
use prefopt_core::{NullSink, StopFlag};
use serde_json::{Map, Value};
use std::path::Path;
use tracing::{info, warn};

/// What a run of the sweep did this time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Trained now (fresh, replacing an earlier attempt, or resumed).
    Ran,
    /// Completed earlier with the same config: read back.
    Skipped,
    /// Not started: the sweep was asked to stop first.
    NotRun,
}

/// Runs (or skips) every planned run in order on `device` and returns one record per run.
/// `stop` is handed to each run (it checkpoints and returns when raised) and is checked
/// between runs: once raised, the remaining runs are recorded as not run. `command` is recorded
/// in each run directory's lock.
pub fn execute(
    runs: Vec<PlannedRun>,
    device: &Device,
    stop: &StopFlag,
    command: &str,
) -> Vec<(Record, Action)> {
    let total = runs.len();
    let mut records = Vec::with_capacity(total);
    for (index, run) in runs.into_iter().enumerate() {
        let PlannedRun {
            id: run,
            config,
            resolved,
        } = run;
        let number = format!("[{}/{total}]", index + 1);
        let label = run.label();
        if stop.is_requested() {
            records.push((Record::not_run(&run), Action::NotRun));
            continue;
        }
        let contents = DirContents::read(&run.dir);
        let same_config = std::fs::read_to_string(run.dir.join("config.toml"))
            .is_ok_and(|recorded| recorded == resolved);
        let start = match &contents {
            DirContents::Run {
                status: RunStatus::Completed,
                ..
            } if same_config => {
                let record = Record::from_dir(&run, read_summary(&run.dir));
                info!(
                    "{number} skipped {label}: completed earlier; {}",
                    record.describe()
                );
                records.push((record, Action::Skipped));
                continue;
            }
            DirContents::Run {
                resumable: Some(_),
                status,
                ..
            } if same_config && *status != RunStatus::Completed => StartMode::Resume,
            DirContents::Run { .. } => {
                let why = if same_config {
                    contents.describe()
                } else {
                    "holds a run of another config".into()
                };
                warn!(
                    "{number} {label}: {} {why}: starting it over",
                    run.dir.display()
                );
                StartMode::Overwrite
            }
            DirContents::Empty | DirContents::Other(_) => StartMode::Fresh,
        };
        info!(
            "{number} started {label}{} in {}",
            if start == StartMode::Resume {
                " (resuming)"
            } else {
                ""
            },
            run.dir.display()
        );
        let mut options = RunOptions::new(&run.dir, device.clone());
        options.start = start;
        options.stop = stop.clone();
        options.command = command.to_string();
        let record = match run_experiment(config, &options, &mut NullSink) {
            Ok(summary) => Record::from_dir(&run, Some(summary.summary)),
            Err(error) => {
                let mut record = Record::from_dir(&run, read_summary(&run.dir));
                record.fail(&error.to_string());
                record
            }
        };
        info!("{number} finished {label}: {}", record.describe());
        records.push((record, Action::Ran));
    }
    records
}

/// A run directory's `summary.json`, if it can be read.
pub fn read_summary(dir: &Path) -> Option<Map<String, Value>> {
    let text = std::fs::read_to_string(dir.join("summary.json")).ok()?;
    match serde_json::from_str(&text).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}
