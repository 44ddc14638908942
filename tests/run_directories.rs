//! A run directory belongs to one run at a time, and `--overwrite` leaves nothing of the run it
//! replaces.

use prefopt::burn::tensor::Device;
use prefopt::train::lock::RunLock;
use prefopt::train::{RunOptions, StartMode, run_experiment};
use prefopt::{ExperimentConfig, NullSink, PrefoptError};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::support;
use support::fresh_out_dir;

fn out_dir(name: &str) -> PathBuf {
    fresh_out_dir("prefopt-rundir", name)
}

const TASK: &str =
    "[task]\ntype = \"bandit\"\ncontexts = 2\nactions = 3\n[policy]\ntype = \"tabular\"\n";

fn exact() -> ExperimentConfig {
    let text = format!("{TASK}[algorithm]\ntype = \"exact\"\nbeta = 0.5\n");
    ExperimentConfig::from_toml_str(&text, Path::new("exact.toml")).unwrap()
}

fn offline(checkpoint_every: Option<usize>) -> ExperimentConfig {
    let every = checkpoint_every.map_or(String::new(), |n| format!("checkpoint_every = {n}\n"));
    let text = format!(
        "{TASK}[algorithm]\ntype = \"offline\"\n[algorithm.objective]\ntype = \"dpo\"\n\
         [train]\nsteps = 10\n{every}"
    );
    ExperimentConfig::from_toml_str(&text, Path::new("offline.toml")).unwrap()
}

fn run(config: ExperimentConfig, dir: &Path, start: StartMode) -> Result<(), PrefoptError> {
    let mut options = RunOptions::new(dir, Device::default());
    options.start = start;
    options.command = format!("test run into {}", dir.display());
    run_experiment(config, &options, &mut NullSink).map(|_| ())
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                found.push(path.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, dir, &mut found);
    found.sort();
    found
}

#[test]
fn a_second_run_into_a_locked_directory_is_refused_naming_the_holder() {
    let dir = out_dir("locked");
    let holder = RunLock::acquire(&dir, "prefopt run first.toml --out somewhere").unwrap();
    for start in [StartMode::Fresh, StartMode::Overwrite, StartMode::Resume] {
        let error = run(exact(), &dir, start).unwrap_err();
        let PrefoptError::Io { source, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(source.kind(), ErrorKind::ResourceBusy, "{error}");
        let text = error.to_string();
        let pid = format!("pid {}", std::process::id());
        for phrase in [pid.as_str(), "prefopt run first.toml", "since"] {
            assert!(text.contains(phrase), "{phrase}: {text}");
        }
    }
    // Nothing was written beside the holder's lock.
    assert_eq!(files(&dir), vec!["run.lock"]);
    drop(holder);
    run(exact(), &dir, StartMode::Fresh).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn overwrite_leaves_nothing_of_the_replaced_run() {
    let dir = out_dir("overwrite");
    run(exact(), &dir, StartMode::Fresh).unwrap();
    assert!(dir.join("optimal_policy.json").is_file());

    let refused = run(offline(None), &dir, StartMode::Fresh)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("completed run") && refused.contains("--overwrite"),
        "{refused}"
    );

    run(offline(Some(5)), &dir, StartMode::Overwrite).unwrap();
    let after = files(&dir);
    assert!(
        !after.contains(&"optimal_policy.json".to_string()),
        "{after:?}"
    );
    assert!(
        after.contains(&"checkpoints/step-0000005/policy.bpk".to_string()),
        "{after:?}"
    );

    run(offline(None), &dir, StartMode::Overwrite).unwrap();
    let after = files(&dir);
    assert!(
        after.iter().all(|f| !f.starts_with("checkpoints")),
        "{after:?}"
    );
    let mut expected = vec![
        "config.toml",
        "metrics.jsonl",
        "plots/training.png",
        "plots/training.svg",
        "policy.json",
        "run.lock",
        "summary.json",
    ];
    expected.sort();
    assert_eq!(after, expected);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_directory_that_is_not_a_run_is_never_emptied() {
    let dir = out_dir("foreign");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    for start in [StartMode::Fresh, StartMode::Overwrite, StartMode::Resume] {
        let error = run(exact(), &dir, start).unwrap_err().to_string();
        assert!(error.contains("not a prefopt run directory"), "{error}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "mine"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_run_is_marked_failed_and_can_be_replaced() {
    let dir = out_dir("failed");
    // A population too large for any machine fails when the task is built.
    let text = format!("{TASK}[algorithm]\ntype = \"exact\"\nbeta = 0.5\n")
        .replace("contexts = 2", "contexts = 2000000000");
    let config: ExperimentConfig = toml_config(&text);
    let error = run(config, &dir, StartMode::Fresh).unwrap_err().to_string();
    assert!(error.contains("pairs = N"), "{error}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["status"], "failed");
    assert!(summary["error"].as_str().unwrap().contains("pairs"));
    let refused = run(exact(), &dir, StartMode::Fresh)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("failed") && refused.contains("--overwrite"),
        "{refused}"
    );
    run(exact(), &dir, StartMode::Overwrite).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A config that passes parsing but not building: validation is skipped by deserializing
/// without `validate()`.
fn toml_config(text: &str) -> ExperimentConfig {
    toml::from_str(text).unwrap()
}
