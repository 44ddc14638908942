//! A whole run: config in, run directory out.

use crate::checkpoint::{latest_resumable, read_state};
use crate::lock::{LockHolder, RunLock};
use crate::run_dir::{RunStatus, StartMode, prepare};
use crate::sink::{JsonlSink, MemorySink, Tee, json_number};
use prefopt_core::burn::tensor::Device;
use prefopt_core::fs::write_atomic;
use prefopt_core::{
    ExperimentConfig, MetricSink, PrefoptError, RunContext, RunControl, StopFlag, TaskInputs,
    device_name,
};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tracing::{info_span, warn};

/// How to run an experiment.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The run directory (created if missing).
    pub out_dir: PathBuf,
    /// The device to compute on.
    pub device: Device,
    /// Replaces the config's seed when set.
    pub seed: Option<u64>,
    /// Start in an empty directory, replace an earlier run, or resume an unfinished one.
    pub start: StartMode,
    /// Raised (by a signal handler, say) to stop at the next step boundary with a checkpoint.
    pub stop: StopFlag,
    /// The command line recorded in the run directory's lock, shown to a second run refused.
    pub command: String,
}

impl RunOptions {
    /// A fresh run into `out_dir` on `device`, with the config's seed, recording this process's
    /// command line.
    pub fn new(out_dir: impl Into<PathBuf>, device: Device) -> Self {
        Self {
            out_dir: out_dir.into(),
            device,
            seed: None,
            start: StartMode::Fresh,
            stop: StopFlag::new(),
            command: std::env::args().collect::<Vec<_>>().join(" "),
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// It ran to the end.
    Completed,
    /// It stopped on request after `steps` steps and wrote a checkpoint to resume from.
    Interrupted {
        /// Steps finished.
        steps: usize,
    },
}

/// What a run produced: its final metrics (as in `summary.json`), every logged step, and where it
/// wrote.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// `summary.json`'s content.
    pub summary: Map<String, Value>,
    /// Every logged step (of every start, for a resumed run).
    pub history: MemorySink,
    /// The run directory.
    pub out_dir: PathBuf,
    /// Whether it finished or was interrupted.
    pub outcome: RunOutcome,
}

impl RunSummary {
    /// A number from the summary.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.summary.get(name).and_then(Value::as_f64)
    }
}

/// Runs an experiment and writes its run directory:
///
/// * `run.lock` — the advisory lock held for the whole run ([`RunLock`]): a second run into the
///   same directory is refused naming the holder;
/// * `config.toml` — the config resolved (every default written out, the seed used);
/// * `metrics.jsonl` — one JSON object per logged step;
/// * `summary.json` — `status` (`running`, then `completed`, `interrupted` or `failed`), the
///   final value of every metric, `steps`, `wall_seconds`, `device`, `seed`;
/// * `policy.json` (or `policy.bpk` for a language model) — the trained policy, when the
///   algorithm trains one ([`Policy::file_name`](prefopt_core::Policy::file_name));
/// * `checkpoints/step-N/` — every `train.checkpoint_every` steps and on interruption;
/// * the algorithm's artifacts (e.g. `optimal_policy.json`) and `plots/` (a plot that cannot be
///   drawn is a warning, not a failed run).
///
/// `options.start` decides what happens to a directory that already holds files
/// ([`prepare`]): nothing is removed before the lock is held. `extra` also receives every metric
/// and the progress (a progress bar, say). Every file but the JSONL log is written atomically.
pub fn run_experiment(
    mut config: ExperimentConfig,
    options: &RunOptions,
    extra: &mut dyn MetricSink,
) -> Result<RunSummary, PrefoptError> {
    if let Some(seed) = options.seed {
        config.seed = seed;
    }
    let span = info_span!("run", out = %options.out_dir.display(), seed = config.seed);
    let _guard = span.enter();
    let out = &options.out_dir;
    if options.start == StartMode::Resume && !out.is_dir() {
        return Err(PrefoptError::Io {
            path: out.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "--resume: no such run directory",
            ),
        });
    }
    let _lock = RunLock::acquire(out, &options.command)?;
    let resume_from = prepare(out, options.start)?;
    let resolved = config.to_toml()?;
    if resume_from.is_some() {
        same_config(out, &resolved)?;
    } else {
        write_atomic(&out.join("config.toml"), resolved.as_bytes())?;
    }
    let mut summary = Map::new();
    summary.insert("device".into(), Value::from(device_name(&options.device)));
    summary.insert("seed".into(), Value::from(config.seed));
    let holder = LockHolder::this_process(&options.command);
    summary.insert("started".into(), Value::from(holder.started));
    let earlier_seconds = match &resume_from {
        Some(dir) => {
            let state = read_state(dir)?;
            summary.insert("resumed_at_step".into(), Value::from(state.step));
            state.wall_seconds
        }
        None => 0.0,
    };
    write_summary(out, RunStatus::Running, &summary)?;
    let started = Instant::now();
    let wall = || earlier_seconds + started.elapsed().as_secs_f64();
    let result = train_and_record(&config, options, resume_from, extra, &mut summary, &wall);
    if let Err(error) = &result {
        summary.insert("error".into(), Value::from(error.to_string()));
        summary.insert("wall_seconds".into(), json_number(wall()));
        if let Err(also) = write_summary(out, RunStatus::Failed, &summary) {
            warn!(%also, "could not mark the run failed in summary.json");
        }
    }
    result
}

/// Trains, then writes the policy, the artifacts, the summary and the plots.
fn train_and_record(
    config: &ExperimentConfig,
    options: &RunOptions,
    resume_from: Option<PathBuf>,
    extra: &mut dyn MetricSink,
    summary: &mut Map<String, Value>,
    wall: &dyn Fn() -> f64,
) -> Result<RunSummary, PrefoptError> {
    let out = &options.out_dir;
    let (report, history, pairs) = train(config, options, resume_from, extra)?;
    let outcome = match options.stop.stopped_at() {
        Some(steps) => RunOutcome::Interrupted { steps },
        None => RunOutcome::Completed,
    };
    match outcome {
        RunOutcome::Completed => {
            for (name, content) in &report.artifacts {
                write_json(&out.join(name), content)?;
            }
            if let Some(policy) = &report.policy {
                policy.save(&out.join(policy.file_name()))?;
            }
        }
        RunOutcome::Interrupted { .. } => {
            if let Some((_, dir)) = latest_resumable(out) {
                let relative = dir.strip_prefix(out).unwrap_or(&dir);
                summary.insert(
                    "checkpoint".into(),
                    Value::from(relative.display().to_string()),
                );
            }
        }
    }
    for (name, value) in &report.metrics {
        summary.insert(name.clone(), json_number(*value));
    }
    summary.insert("steps".into(), Value::from(report.steps));
    summary.insert("wall_seconds".into(), json_number(wall()));
    if let Some(pairs) = pairs {
        summary.insert("pairs".into(), Value::from(pairs));
    }
    let status = match outcome {
        RunOutcome::Completed => RunStatus::Completed,
        RunOutcome::Interrupted { .. } => RunStatus::Interrupted,
    };
    let summary = write_summary(out, status, summary)?;
    if let Err(warning) = draw_plots(&history, &out.join("plots")) {
        warn!(%warning, "plots not drawn");
    }
    Ok(RunSummary {
        summary,
        history,
        out_dir: out.clone(),
        outcome,
    })
}

/// Builds the task and runs the algorithm, logging to `metrics.jsonl` (continued when resuming),
/// memory and `extra`. Returns the report, every logged step, and the task's number of pairs.
fn train(
    config: &ExperimentConfig,
    options: &RunOptions,
    resume_from: Option<PathBuf>,
    extra: &mut dyn MetricSink,
) -> Result<(prefopt_core::RunReport, MemorySink, Option<usize>), PrefoptError> {
    let out = &options.out_dir;
    // pi_ref is the policy at initialization, built on the plain device (no autodiff) for
    // tasks whose data are samples from it.
    let reference = |task: &dyn prefopt_core::Task| config.policy.build(task, &options.device);
    let task = config.task.build_with(
        &TaskInputs::new(config.seed, &|| config.policy.tokenizer())
            .with_reference_policy(&reference),
    )?;
    let mut history = MemorySink::default();
    let mut jsonl = match &resume_from {
        Some(dir) => {
            let (sink, earlier) =
                JsonlSink::resume(&out.join("metrics.jsonl"), read_state(dir)?.step)?;
            history.records = earlier;
            sink
        }
        None => JsonlSink::create(&out.join("metrics.jsonl"))?,
    };
    let mut sink = Tee(vec![&mut jsonl, &mut history, extra]);
    let report = config.algorithm.run(&mut RunContext {
        task: &*task,
        policy: &*config.policy,
        reward: config.reward.as_deref(),
        train: &config.train,
        device: options.device.clone(),
        seed: config.seed,
        sink: &mut sink,
        out_dir: Some(out.clone()),
        control: RunControl {
            stop: options.stop.clone(),
            resume_from,
        },
    })?;
    drop(sink);
    Ok((report, history, task.num_pairs()))
}

/// Refuses to resume with a config other than the run's own `config.toml`, naming the first
/// line that differs.
fn same_config(out: &Path, resolved: &str) -> Result<(), PrefoptError> {
    let path = out.join("config.toml");
    let recorded = std::fs::read_to_string(&path).map_err(|source| PrefoptError::Io {
        path: path.clone(),
        source,
    })?;
    if recorded == resolved {
        return Ok(());
    }
    let (number, (ours, theirs)) = resolved
        .lines()
        .chain(std::iter::repeat(""))
        .zip(recorded.lines().chain(std::iter::repeat("")))
        .enumerate()
        .find(|(_, (a, b))| a != b)
        .unwrap_or((0, ("", "")));
    Err(PrefoptError::Incompatible(format!(
        "--resume: the config differs from the run's {} at line {}: `{ours}` here, `{theirs}` \
         there; resume with that file (prefopt run {} --out {} --resume)",
        path.display(),
        number + 1,
        path.display(),
        out.display()
    )))
}

/// Writes `summary.json` with its `status` and returns what was written.
fn write_summary(
    out: &Path,
    status: RunStatus,
    fields: &Map<String, Value>,
) -> Result<Map<String, Value>, PrefoptError> {
    let mut summary = Map::new();
    summary.insert("status".into(), Value::from(status.as_str()));
    for (name, value) in fields {
        summary.insert(name.clone(), value.clone());
    }
    write_json(&out.join("summary.json"), &Value::Object(summary.clone()))?;
    Ok(summary)
}

/// Draws the run's plots. A plot that cannot be drawn (even one whose drawing code panics) is
/// returned as a warning for the log: the run goes on.
fn draw_plots(history: &MemorySink, dir: &Path) -> Result<(), String> {
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::run_plots::training_plots(history, dir)
    }));
    match drawn {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => Err(error.to_string()),
        Err(panic) => Err(panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .map_or_else(
                || format!("{}: the plotting code panicked", dir.display()),
                |reason| format!("{}: the plotting code panicked: {reason}", dir.display()),
            )),
    }
}

/// Writes pretty JSON atomically.
pub fn write_json(path: &Path, content: &Value) -> Result<(), PrefoptError> {
    let text = serde_json::to_string_pretty(content).expect("JSON values serialize");
    write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plot_that_cannot_be_drawn_is_a_warning() {
        let mut history = MemorySink::default();
        for step in 0..3 {
            history
                .log(step, &vec![("loss".into(), 1.0 / (step as f64 + 1.0))])
                .unwrap();
        }
        // A file where the plot directory should be.
        let blocked = std::env::temp_dir().join(format!("prefopt-plots-{}", std::process::id()));
        std::fs::write(&blocked, b"not a directory").unwrap();
        let warning = draw_plots(&history, &blocked).unwrap_err();
        assert!(
            warning.contains(&blocked.display().to_string()),
            "{warning}"
        );
        std::fs::remove_file(&blocked).unwrap();
    }
}
