//! The `prefopt` binary end to end: runs, run directories, and errors that name the file and
//! the field.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn prefopt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prefopt"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the prefopt binary runs")
}

/// `prefopt run CONFIG --out OUT`.
fn run_into(config: &Path, out: &Path) -> Output {
    prefopt(&[
        "run",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write_config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const SMALL_DPO: &str = r#"
seed = 3
[task]
type = "bandit"
contexts = 2
actions = 4
[policy]
type = "tabular"
[algorithm]
type = "offline"
[algorithm.objective]
type = "dpo"
beta = 0.5
[train]
steps = 200
eval_every = 50
log_every = 10
"#;

#[test]
fn run_writes_the_run_directory() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "small.toml", SMALL_DPO);
    let out = dir.path().join("run");
    let output = run_into(&config, &out);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for file in [
        "config.toml",
        "metrics.jsonl",
        "summary.json",
        "policy.json",
        "plots/training.svg",
        "plots/training.png",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let summary: serde_json::Value = read_json(&out.join("summary.json"));
    for key in [
        "loss",
        "kl/optimal",
        "kl/reference",
        "reward/true",
        "steps",
        "wall_seconds",
        "device",
        "seed",
    ] {
        assert!(
            summary.get(key).is_some(),
            "summary.json lacks {key}: {summary}"
        );
    }
    assert_eq!(summary["steps"], 200);
    assert_eq!(summary["seed"], 3);
    let lines = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    for key in [
        "step",
        "loss",
        "rewards/chosen",
        "rewards/accuracies",
        "logps/rejected",
    ] {
        assert!(
            first.get(key).is_some(),
            "metrics.jsonl lacks {key}: {first}"
        );
    }
    // The resolved config parses back and names every default.
    let resolved = std::fs::read_to_string(out.join("config.toml")).unwrap();
    assert!(
        resolved.contains("reward_scale") && resolved.contains("batch_size"),
        "{resolved}"
    );

    // A second run into the same directory is refused, the first run untouched.
    let again = run_into(&config, &out);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--overwrite"));
    let summary_after = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert_eq!(
        summary_after,
        serde_json::to_string_pretty(&summary).unwrap()
    );

    // The same config and seed give the same numbers.
    let out2 = dir.path().join("run2");
    let output = run_into(&config, &out2);
    assert!(output.status.success());
    let summary2: serde_json::Value = read_json(&out2.join("summary.json"));
    assert_eq!(summary["kl/optimal"], summary2["kl/optimal"]);
    assert_eq!(summary["loss"], summary2["loss"]);
}

#[test]
fn exact_writes_the_optimal_policy() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "exact.toml",
        "[task]\ntype = \"bandit\"\n[policy]\ntype = \"tabular\"\n[algorithm]\ntype = \"exact\"\nbeta = 0.5\n",
    );
    let out = dir.path().join("run");
    let output = run_into(&config, &out);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = read_json(&out.join("summary.json"));
    assert_eq!(summary["kl/optimal"], 0.0);
    let optimal: serde_json::Value = read_json(&out.join("optimal_policy.json"));
    for row in optimal["probs"].as_array().unwrap() {
        let total: f64 = row
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_f64().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-12);
    }
}

fn error_of(config_text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "broken.toml", config_text);
    let out = dir.path().join("run");
    let output = run_into(&config, &out);
    assert!(!output.status.success());
    assert!(!out.join("summary.json").exists());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_unknown_plugin_is_an_error_listing_the_registered_ones() {
    let error = error_of(&SMALL_DPO.replace("type = \"dpo\"", "type = \"no_such_loss\""));
    assert!(error.contains("broken.toml"), "{error}");
    assert!(error.contains("no_such_loss"), "{error}");
    assert!(error.contains("dpo") && error.contains("ipo"), "{error}");
}

#[test]
fn a_misspelt_field_is_named_with_its_file() {
    let error = error_of(&SMALL_DPO.replace("actions = 4", "actoins = 4"));
    assert!(error.contains("broken.toml"), "{error}");
    assert!(error.contains("actoins"), "{error}");
}

#[test]
fn an_invalid_value_is_named_with_its_field() {
    let error = error_of(&SMALL_DPO.replace("beta = 0.5", "beta = -1.0"));
    assert!(error.contains("broken.toml"), "{error}");
    assert!(error.contains("algorithm.objective.beta"), "{error}");
    let error = error_of(&SMALL_DPO.replace("actions = 4", "actions = 4\npairs = \"all\""));
    assert!(error.contains("population"), "{error}");
}

#[test]
fn plugins_lists_every_kind_with_an_example() {
    let output = prefopt(&["plugins"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for name in [
        "dpo",
        "ipo",
        "exact",
        "offline",
        "bandit",
        "tabular",
        "arXiv:2305.18290",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    assert!(text.contains("[algorithm.objective]"), "{text}");
}
