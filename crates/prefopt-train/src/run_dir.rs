//! What a run directory holds, and getting it ready for a new, replaced or resumed run.
//!
//! `summary.json` carries the run's `status`: `running` from the start, then `completed`,
//! `interrupted` (stopped on request after writing a checkpoint) or `failed` (with the
//! `error`). A run that was killed leaves `running` behind while nobody holds its lock.

use crate::checkpoint::latest_resumable;
use crate::lock::LOCK_FILE;
use prefopt_core::PrefoptError;
use serde_json::Value;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// How a run starts in its directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartMode {
    /// The directory must be missing or empty (`prefopt run`).
    #[default]
    Fresh,
    /// An earlier run's files are removed first, once the lock is held (`--overwrite`).
    Overwrite,
    /// An unfinished run continues from its latest resumable checkpoint (`--resume`).
    Resume,
}

/// The `status` of a run in its `summary.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Started and not finished: running now, or killed (then nobody holds the lock).
    Running,
    /// Stopped on request after writing a checkpoint.
    Interrupted,
    /// Ended with an error.
    Failed,
    /// Ran to the end.
    Completed,
}

impl RunStatus {
    /// The word written in `summary.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Failed => "failed",
            RunStatus::Completed => "completed",
        }
    }

    fn parse(word: &str) -> Option<Self> {
        [
            RunStatus::Running,
            RunStatus::Interrupted,
            RunStatus::Failed,
            RunStatus::Completed,
        ]
        .into_iter()
        .find(|status| status.as_str() == word)
    }
}

/// What a directory holds, read while holding its lock.
#[derive(Debug, Clone, PartialEq)]
pub enum DirContents {
    /// Nothing but (perhaps) the lock file.
    Empty,
    /// A prefopt run.
    Run {
        /// Its status (a run directory without `summary.json` never got past its start).
        status: RunStatus,
        /// Steps reached, when recorded.
        steps: Option<u64>,
        /// The error of a failed run.
        error: Option<String>,
        /// The latest resumable checkpoint: its steps and directory.
        resumable: Option<(usize, PathBuf)>,
    },
    /// Files that are not a prefopt run (no `summary.json` nor `config.toml`).
    Other(Vec<String>),
}

impl DirContents {
    /// Reads what `dir` holds.
    pub fn read(dir: &Path) -> Self {
        let names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| name != LOCK_FILE)
                    .collect()
            })
            .unwrap_or_default();
        if names.is_empty() {
            return DirContents::Empty;
        }
        let summary: Option<Value> = std::fs::read_to_string(dir.join("summary.json"))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
        if summary.is_none() && !dir.join("config.toml").is_file() {
            return DirContents::Other(names);
        }
        let field = |name: &str| summary.as_ref().and_then(|s| s.get(name));
        let status = match (&summary, field("status").and_then(Value::as_str)) {
            (None, _) => RunStatus::Running,
            // Summaries written before runs recorded a status are of completed runs.
            (Some(_), None) => RunStatus::Completed,
            (Some(_), Some(word)) => RunStatus::parse(word).unwrap_or(RunStatus::Running),
        };
        DirContents::Run {
            status,
            steps: field("steps").and_then(Value::as_u64),
            error: field("error").and_then(Value::as_str).map(str::to_string),
            resumable: latest_resumable(dir),
        }
    }

    /// One sentence: what the directory holds.
    pub fn describe(&self) -> String {
        match self {
            DirContents::Empty => "is empty".into(),
            DirContents::Other(names) => format!(
                "is not a prefopt run directory (no summary.json or config.toml) and holds {} \
                 entries ({})",
                names.len(),
                names.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
            ),
            DirContents::Run {
                status,
                steps,
                error,
                ..
            } => {
                let at = steps
                    .map(|s| format!(" after {s} steps"))
                    .unwrap_or_default();
                match status {
                    RunStatus::Completed => format!("holds a completed run{at}"),
                    RunStatus::Interrupted => format!("holds a run interrupted{at}"),
                    RunStatus::Failed => format!(
                        "holds a run that failed{at}: {}",
                        error.as_deref().unwrap_or("no error recorded")
                    ),
                    RunStatus::Running => "holds a run that stopped without finishing: it is \
                         still marked running but no process holds its lock (it was killed, or \
                         its machine stopped)"
                        .into(),
                }
            }
        }
    }
}

/// An error about a run directory: [`ErrorKind::AlreadyExists`] for one that cannot be used as
/// asked, naming the directory.
fn refuse(dir: &Path, message: String) -> PrefoptError {
    PrefoptError::Io {
        path: dir.to_path_buf(),
        source: std::io::Error::new(ErrorKind::AlreadyExists, message),
    }
}

/// Makes `dir` (whose lock the caller holds) ready to start as `mode` asks, and returns the
/// checkpoint to resume from (with [`StartMode::Resume`]).
///
/// * `Fresh`: the directory must be empty; a run in it is refused, saying whether it finished
///   and offering `--overwrite`, or `--resume` when it has a checkpoint to continue from.
/// * `Overwrite`: an earlier run's files are removed (all but the lock file); a directory that
///   is not a prefopt run is never emptied.
/// * `Resume`: the run must be unfinished and have a resumable checkpoint.
pub fn prepare(dir: &Path, mode: StartMode) -> Result<Option<PathBuf>, PrefoptError> {
    let contents = DirContents::read(dir);
    let what = contents.describe();
    match (mode, &contents) {
        (_, DirContents::Other(_)) => Err(refuse(
            dir,
            format!("{what}; choose a new or empty --out (it is never emptied)"),
        )),
        (StartMode::Fresh | StartMode::Overwrite, DirContents::Empty) => Ok(None),
        (
            StartMode::Fresh,
            DirContents::Run {
                status, resumable, ..
            },
        ) => {
            let advice = match (status, resumable) {
                (RunStatus::Completed, _) => {
                    "pass --overwrite to replace it, or choose another --out".to_string()
                }
                (_, Some((steps, _))) => format!(
                    "pass --resume to continue it from its checkpoint after {steps} steps, or \
                     --overwrite to start over"
                ),
                (_, None) => "it left no checkpoint to resume from: pass --overwrite to start \
                              over, or choose another --out"
                    .to_string(),
            };
            Err(refuse(dir, format!("{what}; {advice}")))
        }
        (StartMode::Overwrite, DirContents::Run { .. }) => {
            clear(dir)?;
            Ok(None)
        }
        (StartMode::Resume, DirContents::Empty) => Err(refuse(
            dir,
            "--resume: there is no run here to resume; start one without --resume".into(),
        )),
        (
            StartMode::Resume,
            DirContents::Run {
                status, resumable, ..
            },
        ) => match (status, resumable) {
            (RunStatus::Completed, _) => Err(refuse(
                dir,
                format!("--resume: {what}; there is nothing to resume"),
            )),
            (_, Some((_, checkpoint))) => Ok(Some(checkpoint.clone())),
            (_, None) => Err(refuse(
                dir,
                format!(
                    "--resume: {what}, and it left no resumable checkpoint (set \
                         train.checkpoint_every for runs that may be killed); pass --overwrite \
                         to start over"
                ),
            )),
        },
    }
}

/// Removes everything in `dir` but the lock file.
fn clear(dir: &Path) -> Result<(), PrefoptError> {
    let entries = std::fs::read_dir(dir).map_err(|source| PrefoptError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        if entry.file_name() == LOCK_FILE {
            continue;
        }
        let path = entry.path();
        // The entry itself, never what a link points to.
        let is_dir = entry.file_type().is_ok_and(|kind| kind.is_dir());
        let removed = if is_dir {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.map_err(|source| PrefoptError::Io { path, source })?;
    }
    Ok(())
}
