//! A whole run: config in, run directory out.

use crate::sink::{JsonlSink, MemorySink, Tee, json_number};
use prefopt_core::burn::tensor::Device;
use prefopt_core::fs::write_atomic;
use prefopt_core::{ExperimentConfig, MetricSink, PrefoptError, RunContext, device_name};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tracing::info_span;

/// How to run an experiment.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The run directory (created if missing).
    pub out_dir: PathBuf,
    /// The device to compute on.
    pub device: Device,
    /// Replaces the config's seed when set.
    pub seed: Option<u64>,
}

/// What a run produced: its final metrics (as in `summary.json`), every logged step, and where it
/// wrote.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// `summary.json`'s content.
    pub summary: Map<String, Value>,
    /// Every logged step.
    pub history: MemorySink,
    /// The run directory.
    pub out_dir: PathBuf,
}

impl RunSummary {
    /// A number from the summary.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.summary.get(name).and_then(Value::as_f64)
    }
}

/// Runs an experiment and writes its run directory:
///
/// * `config.toml` — the config resolved (every default written out, the seed used);
/// * `metrics.jsonl` — one JSON object per logged step;
/// * `summary.json` — the final value of every metric, `steps`, `wall_seconds`, `device`, `seed`;
/// * `policy.json` — the trained policy, when the algorithm trains one;
/// * the algorithm's artifacts (e.g. `optimal_policy.json`) and `plots/`.
///
/// `extra` also receives every metric and the progress (a progress bar, say). Every file but the
/// JSONL log is written atomically.
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
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PrefoptError::Io { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    write_atomic(&out.join("config.toml"), config.to_toml()?.as_bytes())?;

    let started = Instant::now();
    let task = config.task.build(config.seed)?;
    let mut jsonl = JsonlSink::create(&out.join("metrics.jsonl"))?;
    let mut history = MemorySink::default();
    let mut sink = Tee(vec![&mut jsonl, &mut history, extra]);
    let report = config.algorithm.run(&mut RunContext {
        task: &*task,
        policy: &*config.policy,
        train: &config.train,
        device: options.device.clone(),
        seed: config.seed,
        sink: &mut sink,
        out_dir: Some(out.clone()),
    })?;
    drop(sink);

    for (name, content) in &report.artifacts {
        write_json(&out.join(name), content)?;
    }
    if let Some(policy) = &report.policy {
        policy.save(&out.join("policy.json"))?;
    }
    let mut summary = Map::new();
    for (name, value) in &report.metrics {
        summary.insert(name.clone(), json_number(*value));
    }
    summary.insert("steps".into(), Value::from(report.steps));
    summary.insert(
        "wall_seconds".into(),
        json_number(started.elapsed().as_secs_f64()),
    );
    summary.insert("device".into(), Value::from(device_name(&options.device)));
    summary.insert("seed".into(), Value::from(config.seed));
    if let Some(pairs) = task.num_pairs() {
        summary.insert("pairs".into(), Value::from(pairs));
    }
    write_json(&out.join("summary.json"), &Value::Object(summary.clone()))?;
    crate::run_plots::training_plots(&history, &out.join("plots"))?;
    Ok(RunSummary {
        summary,
        history,
        out_dir: out.clone(),
    })
}

/// Writes pretty JSON atomically.
pub fn write_json(path: &Path, content: &Value) -> Result<(), PrefoptError> {
    let text = serde_json::to_string_pretty(content).expect("JSON values serialize");
    write_atomic(path, text.as_bytes())
}
