//! The `prefopt` binary end to end: runs, run directories, and errors that name the file and
//! the field.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common;
use common::{prefopt, read_json, run_into};

fn write_config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `prefopt run CONFIG --out OUT`, which must succeed (else fails the test with its stderr).
fn run_succeeds(config: &Path, out: &Path) -> Output {
    let output = run_into(config, out, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
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
    let output = run_succeeds(&config, &out);
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
        "status",
    ] {
        assert!(
            summary.get(key).is_some(),
            "summary.json lacks {key}: {summary}"
        );
    }
    assert_eq!(summary["steps"], 200);
    assert_eq!(summary["seed"], 3);
    assert_eq!(summary["status"], "completed");
    assert_eq!(summary["device"], "flex");
    // What the command printed is what it wrote (compared as values: float text is not
    // compared, so the check holds on any CPU).
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed, summary);
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
    let before = std::fs::read(out.join("summary.json")).unwrap();
    let again = run_into(&config, &out, &[]);
    assert!(!again.status.success());
    let refusal = String::from_utf8_lossy(&again.stderr);
    assert!(
        refusal.contains("completed run") && refusal.contains("--overwrite"),
        "{refusal}"
    );
    assert_eq!(std::fs::read(out.join("summary.json")).unwrap(), before);

    // The same config and seed give the same numbers on the same machine.
    let out2 = dir.path().join("run2");
    let output = run_into(&config, &out2, &[]);
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
    run_succeeds(&config, &out);
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
    let output = run_into(&config, &out, &[]);
    assert!(!output.status.success());
    assert!(!out.join("summary.json").exists());
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_unknown_plugin_is_an_error_listing_the_registered_ones() {
    let error = error_of(&SMALL_DPO.replace("type = \"dpo\"", "type = \"no_such_loss\""));
    assert!(
        error.contains("broken.toml: line 12, column 8: `algorithm.objective.type`"),
        "{error}"
    );
    assert!(error.contains("no_such_loss"), "{error}");
    assert!(
        error.contains("`dpo`") && error.contains("`ipo`"),
        "{error}"
    );
}

#[test]
fn a_misspelt_field_is_named_with_its_file_and_line() {
    let error = error_of(&SMALL_DPO.replace("actions = 4", "actoins = 4"));
    assert!(
        error.contains("broken.toml: line 6, column 1: `task.actoins`"),
        "{error}"
    );
}

#[test]
fn an_invalid_value_is_named_with_its_field_once() {
    let error = error_of(&SMALL_DPO.replace("beta = 0.5", "beta = -1.0"));
    let location = "broken.toml: line 13, column 8: `algorithm.objective.beta`";
    assert!(
        error.starts_with("error: ") && error.contains(&format!("/{location}: must be")),
        "{error}"
    );
    // Printed once: no `X: X` from an error chain that repeats its cause.
    assert_eq!(
        error.matches("must be a finite number > 0").count(),
        1,
        "{error}"
    );
    assert_eq!(error.lines().count(), 1, "{error}");
    let error = error_of(&SMALL_DPO.replace("actions = 4", "actions = 4\npairs = \"all\""));
    assert!(error.contains("population"), "{error}");
}

#[test]
fn a_population_too_large_for_memory_is_refused_before_allocating() {
    let started = std::time::Instant::now();
    let error = error_of(
        &SMALL_DPO
            .replace("contexts = 2", "contexts = 1000")
            .replace("actions = 4", "actions = 1000"),
    );
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    for phrase in [
        "999000000 pairs",
        "GB",
        "available",
        "`pairs = N`",
        "`task.pairs`",
    ] {
        assert!(error.contains(phrase), "{phrase}: {error}");
    }
}

#[test]
fn a_backend_not_compiled_in_says_which_feature_builds_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "small.toml", SMALL_DPO);
    let out = dir.path().join("run");
    for (device, feature) in [
        ("tch-cpu", "tch"),
        ("tch-cuda:0", "tch"),
        ("cuda:0", "cuda"),
    ] {
        let output = run_into(&config, &out, &["--device", device]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{device}");
        let needs = format!("`{device}` needs the `{feature}` cargo feature");
        assert!(stderr.contains(&needs), "{stderr}");
        assert!(
            stderr.contains(&format!("--features {feature}")),
            "{stderr}"
        );
        assert!(
            !out.exists(),
            "a refused device must not create the run directory"
        );
    }
    let output = prefopt(&["run", config.to_str().unwrap(), "--device", "flx"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown device `flx`") && stderr.contains("flex"),
        "{stderr}"
    );
}

#[test]
fn json_logs_hold_only_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "small.toml", SMALL_DPO);
    let broken = write_config(
        dir.path(),
        "broken.toml",
        &SMALL_DPO.replace("beta = 0.5", "beta = \"x\""),
    );
    let out = dir.path().join("run");
    let runs = [
        vec![
            "--log-format",
            "json",
            "run",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        vec![
            "--log-format",
            "json",
            "run",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        vec!["--log-format", "json", "run", broken.to_str().unwrap()],
        vec![
            "--log-format",
            "json",
            "run",
            config.to_str().unwrap(),
            "--device",
            "cuda:0",
        ],
        vec![
            "--log-format",
            "json",
            "run",
            config.to_str().unwrap(),
            "--bogus",
        ],
    ];
    for (i, args) in runs.iter().enumerate() {
        let output = Command::new(env!("CARGO_BIN_EXE_prefopt"))
            .args(args)
            .env("RUST_LOG", "info")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(output.status.success(), i == 0, "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.trim().is_empty(), "{args:?}: nothing logged");
        for line in stderr.lines() {
            let record: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {line}"));
            assert!(record.get("level").is_some(), "{line}");
        }
    }
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

#[test]
fn metrics_spanning_more_than_f64_still_plot_and_never_fail_the_run() {
    // beta = 1e-300 puts kl/optimal near 1e300 while kl/reference stays near 1e-16: a log
    // axis over more than 300 decades.
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        "extreme.toml",
        &SMALL_DPO.replace("beta = 0.5", "beta = 1e-300"),
    );
    let out = dir.path().join("run");
    let started = std::time::Instant::now();
    run_succeeds(&config, &out);
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["status"], "completed");
    assert!(summary["kl/optimal"].as_f64().unwrap() > 1e200, "{summary}");
    assert!(out.join("plots/training.svg").is_file());
}
