//! Interrupted runs resume to the numbers of an uninterrupted run. The interrupt is delivered
//! in-process through the same flag the command's SIGINT/SIGTERM handler raises
//! (`RunOptions::stop`), at an exact step.

use prefopt::burn::tensor::Device;
use prefopt::train::checkpoint::{CHECKPOINTS, checkpoint_dir};
use prefopt::train::{RunOptions, RunOutcome, RunSummary, StartMode, run_experiment};
use prefopt::{ExperimentConfig, MetricSink, MetricValues, PrefoptError, StopFlag};
use serde_json::Value;
use std::path::{Path, PathBuf};

use crate::support;
use support::fresh_out_dir;

/// Sampled pairs and mini-batches, so that the batches' random draws matter; Adam, so that the
/// optimizer state matters.
const CONFIG: &str = r#"
seed = 11
[task]
type = "bandit"
contexts = 3
actions = 5
pairs = 300
[policy]
type = "tabular"
[algorithm]
type = "offline"
[algorithm.objective]
type = "dpo"
beta = 0.3
[train]
steps = 60
batch_size = 16
log_every = 5
eval_every = 10
checkpoint_every = 20
"#;

fn out_dir(name: &str) -> PathBuf {
    fresh_out_dir("prefopt-resume", name)
}

fn config() -> ExperimentConfig {
    ExperimentConfig::from_toml_str(CONFIG, Path::new("resume.toml")).unwrap()
}

/// The same experiment with a tiny random causal language model as the policy.
fn language_model_config() -> ExperimentConfig {
    let text = CONFIG
        .replace("type = \"tabular\"", "type = \"causal_lm\"\ntiny = true")
        .replace("steps = 60", "steps = 12")
        .replace("checkpoint_every = 20", "checkpoint_every = 4");
    ExperimentConfig::from_toml_str(&text, Path::new("resume-lm.toml")).unwrap()
}

/// Raises the stop flag once `at` steps are done, as a signal arriving during step `at` would.
struct StopAt {
    flag: StopFlag,
    at: usize,
}

impl MetricSink for StopAt {
    fn log(&mut self, _: usize, _: &MetricValues) -> Result<(), PrefoptError> {
        Ok(())
    }

    fn progress(&mut self, done: usize, _: usize) {
        if done == self.at {
            self.flag.request();
        }
    }
}

fn run(dir: &Path, start: StartMode, stop_at: Option<usize>) -> Result<RunSummary, PrefoptError> {
    run_config(config(), dir, start, stop_at)
}

fn run_config(
    config: ExperimentConfig,
    dir: &Path,
    start: StartMode,
    stop_at: Option<usize>,
) -> Result<RunSummary, PrefoptError> {
    let mut options = RunOptions::new(dir, Device::default());
    options.start = start;
    let mut sink = StopAt {
        flag: options.stop.clone(),
        at: stop_at.unwrap_or(usize::MAX),
    };
    run_experiment(config, &options, &mut sink)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `metrics.jsonl` as (step, metric, value), wall time left out.
fn logged(dir: &Path) -> Vec<(u64, String, f64)> {
    let text = std::fs::read_to_string(dir.join("metrics.jsonl")).unwrap();
    let mut values = Vec::new();
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).unwrap();
        let step = record["step"].as_u64().unwrap();
        for (name, value) in record.as_object().unwrap() {
            if name != "step" && name != "wall_seconds" {
                values.push((step, name.clone(), value.as_f64().unwrap_or(f64::NAN)));
            }
        }
    }
    values
}

/// The final metrics agree within float tolerance, and every logged value too.
fn assert_same_run(resumed: &Path, reference: &Path) {
    let (a, b) = (
        read_json(&resumed.join("summary.json")),
        read_json(&reference.join("summary.json")),
    );
    assert_eq!(a["status"], "completed");
    assert_eq!(a["steps"], b["steps"]);
    for metric in [
        "loss",
        "kl/optimal",
        "kl/reference",
        "reward/true",
        "rewards/margins",
    ] {
        // Metrics of the optimum exist only where the policy's outputs can be enumerated.
        if b[metric].is_null() {
            assert!(a[metric].is_null(), "{metric} only in the resumed run");
            continue;
        }
        let (x, y) = (a[metric].as_f64().unwrap(), b[metric].as_f64().unwrap());
        assert!(
            (x - y).abs() <= 1e-6 * y.abs().max(1e-6),
            "{metric}: resumed {x}, uninterrupted {y}"
        );
    }
    let (x, y) = (logged(resumed), logged(reference));
    assert_eq!(
        x.len(),
        y.len(),
        "metrics.jsonl has {} values, not {}",
        x.len(),
        y.len()
    );
    for ((step, name, u), (_, _, v)) in x.iter().zip(&y) {
        assert!(
            (u - v).abs() <= 1e-6 * v.abs().max(1e-6),
            "step {step} {name}: {u} vs {v}"
        );
    }
}

#[test]
fn an_interrupted_run_resumes_to_the_numbers_of_an_uninterrupted_one() {
    let reference = out_dir("reference");
    let whole = run(&reference, StartMode::Fresh, None).unwrap();
    assert_eq!(whole.outcome, RunOutcome::Completed);

    let dir = out_dir("interrupted");
    let stopped = run(&dir, StartMode::Fresh, Some(23)).unwrap();
    assert_eq!(stopped.outcome, RunOutcome::Interrupted { steps: 23 });
    let summary = read_json(&dir.join("summary.json"));
    assert_eq!(summary["status"], "interrupted");
    assert_eq!(summary["steps"], 23);
    assert_eq!(summary["checkpoint"], "checkpoints/step-0000023");
    for file in ["policy.json", "policy.bpk", "optimizer.bpk", "state.json"] {
        assert!(checkpoint_dir(&dir, 23).join(file).is_file(), "{file}");
    }
    assert!(
        !dir.join("policy.json").exists(),
        "an interrupted run has no final policy"
    );

    // A plain rerun is refused and offers --resume; the run is untouched.
    let refused = run(&dir, StartMode::Fresh, None).unwrap_err().to_string();
    assert!(
        refused.contains("interrupted after 23 steps") && refused.contains("--resume"),
        "{refused}"
    );
    assert_eq!(read_json(&dir.join("summary.json")), summary);

    let resumed = run(&dir, StartMode::Resume, None).unwrap();
    assert_eq!(resumed.outcome, RunOutcome::Completed);
    assert_eq!(read_json(&dir.join("summary.json"))["resumed_at_step"], 23);
    assert_same_run(&dir, &reference);
    // The history holds both parts of the run: the plots span all of it.
    assert_eq!(
        resumed.history.series("loss").len(),
        whole.history.series("loss").len()
    );

    let finished = run(&dir, StartMode::Resume, None).unwrap_err().to_string();
    assert!(finished.contains("nothing to resume"), "{finished}");
    for dir in [dir, reference] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn a_killed_run_resumes_from_its_last_periodic_checkpoint() {
    let reference = out_dir("killed-reference");
    run(&reference, StartMode::Fresh, None).unwrap();

    // What a run killed during step 27 leaves: `running` in summary.json, the checkpoint of
    // step 20, and metrics logged past it.
    let dir = out_dir("killed");
    run(&dir, StartMode::Fresh, Some(27)).unwrap();
    std::fs::remove_dir_all(checkpoint_dir(&dir, 27)).unwrap();
    std::fs::write(dir.join("summary.json"), r#"{"status": "running"}"#).unwrap();
    let refused = run(&dir, StartMode::Fresh, None).unwrap_err().to_string();
    for phrase in [
        "stopped without finishing",
        "--resume",
        "after 20 steps",
        "--overwrite",
    ] {
        assert!(refused.contains(phrase), "{phrase}: {refused}");
    }

    let resumed = run(&dir, StartMode::Resume, None).unwrap();
    assert_eq!(resumed.outcome, RunOutcome::Completed);
    assert_eq!(read_json(&dir.join("summary.json"))["resumed_at_step"], 20);
    assert_same_run(&dir, &reference);
    for dir in [dir, reference] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn resuming_needs_the_same_config_and_a_checkpoint() {
    let dir = out_dir("mismatch");
    run(&dir, StartMode::Fresh, Some(5)).unwrap();
    let mut options = RunOptions::new(&dir, Device::default());
    options.start = StartMode::Resume;
    options.seed = Some(12);
    let error = run_experiment(config(), &options, &mut prefopt::NullSink)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("config differs") && error.contains("seed = 12"),
        "{error}"
    );

    let missing = out_dir("missing");
    let error = run(&missing, StartMode::Resume, None)
        .unwrap_err()
        .to_string();
    assert!(error.contains("no such run directory"), "{error}");
    assert!(!missing.exists(), "a refused resume creates nothing");

    // No checkpoint at all (killed before the first one): resume is refused, overwrite offered.
    std::fs::remove_dir_all(dir.join(CHECKPOINTS)).unwrap();
    let error = run(&dir, StartMode::Resume, None).unwrap_err().to_string();
    assert!(
        error.contains("no resumable checkpoint") && error.contains("--overwrite"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_language_model_run_resumes_to_the_numbers_of_an_uninterrupted_one() {
    let reference = out_dir("lm-reference");
    run_config(language_model_config(), &reference, StartMode::Fresh, None).unwrap();
    let dir = out_dir("lm-interrupted");
    let stopped = run_config(language_model_config(), &dir, StartMode::Fresh, Some(7)).unwrap();
    assert_eq!(stopped.outcome, RunOutcome::Interrupted { steps: 7 });
    let resumed = run_config(language_model_config(), &dir, StartMode::Resume, None).unwrap();
    assert_eq!(resumed.outcome, RunOutcome::Completed);
    assert_same_run(&dir, &reference);
    for dir in [dir, reference] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn a_truncated_newest_checkpoint_is_skipped_for_the_previous_good_one() {
    let reference = out_dir("truncated-reference");
    run(&reference, StartMode::Fresh, None).unwrap();

    // Interrupted after 47 steps: checkpoints at 20, 40 and 47. The newest is then damaged.
    let dir = out_dir("truncated");
    run(&dir, StartMode::Fresh, Some(47)).unwrap();
    let damaged = checkpoint_dir(&dir, 47).join("policy.bpk");
    let bytes = std::fs::read(&damaged).unwrap();
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let error = prefopt::train::checkpoint::verify(&checkpoint_dir(&dir, 47))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("policy.bpk") && error.contains("cut short"),
        "{error}"
    );
    let (step, _) = prefopt::train::checkpoint::latest_resumable(&dir).unwrap();
    assert_eq!(step, 40, "the damaged checkpoint is passed over");

    let resumed = run(&dir, StartMode::Resume, None).unwrap();
    assert_eq!(resumed.outcome, RunOutcome::Completed);
    assert_eq!(read_json(&dir.join("summary.json"))["resumed_at_step"], 40);
    assert_same_run(&dir, &reference);
    for dir in [dir, reference] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn only_the_newest_checkpoints_are_kept() {
    let dir = out_dir("keep");
    let text = CONFIG.replace(
        "checkpoint_every = 20",
        "checkpoint_every = 10\nkeep_checkpoints = 2",
    );
    let config = ExperimentConfig::from_toml_str(&text, Path::new("keep.toml")).unwrap();
    run_config(config, &dir, StartMode::Fresh, None).unwrap();
    let steps: Vec<usize> = prefopt::train::checkpoint::checkpoints(&dir)
        .into_iter()
        .map(|(step, _)| step)
        .collect();
    assert_eq!(steps, vec![50, 60]);
    let state = prefopt::train::checkpoint::verify(&checkpoint_dir(&dir, 60)).unwrap();
    assert_eq!(state.step, 60);
    // The schedule is recorded (a constant 0.05 for this bandit config) with the digests.
    assert_eq!(state.learning_rate, Some(0.05));
    assert_eq!(state.files.len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
