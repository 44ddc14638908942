//! Two `prefopt run`s into one directory, and runs stopped by signals, against the binary.
#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common;
use common::{read_json, run_into};

/// Long enough to be running when signalled; checkpoints so that a killed run can resume.
const LONG: &str = r#"
seed = 5
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
[train]
steps = 10000000
log_every = 100
eval_every = 1000
checkpoint_every = 500
"#;

/// Starts `prefopt run CONFIG --out OUT` and waits until it has logged a step.
fn start_run(config: &Path, out: &Path) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_prefopt"))
        .args([
            "run",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the prefopt binary starts");
    let metrics = out.join("metrics.jsonl");
    let started = Instant::now();
    while std::fs::read_to_string(&metrics).map_or(true, |text| text.lines().count() < 2) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the run never logged a step"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

fn setup(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join(format!("{name}.toml"));
    std::fs::write(&config, LONG).unwrap();
    let out = dir.path().join("run");
    (dir, config, out)
}

#[test]
fn a_second_run_is_refused_naming_the_first_and_a_signal_stops_with_a_checkpoint() {
    for name in ["TERM", "INT"] {
        let (_dir, config, out) = setup(name);
        let first = start_run(&config, &out);
        let config_written = std::fs::read(out.join("config.toml")).unwrap();

        let second = run_into(&config, &out, &[]);
        let refusal = String::from_utf8_lossy(&second.stderr);
        assert!(!second.status.success(), "{refusal}");
        let pid = format!("pid {}", first.id());
        for phrase in [pid.as_str(), "a run is writing this directory", "--out"] {
            assert!(refusal.contains(phrase), "{phrase}: {refusal}");
        }
        for flag in ["--overwrite", "--resume"] {
            let other = run_into(&config, &out, &[flag]);
            assert!(!other.status.success());
            assert!(String::from_utf8_lossy(&other.stderr).contains(&pid));
        }
        assert_eq!(
            std::fs::read(out.join("config.toml")).unwrap(),
            config_written
        );

        signal(&first, name);
        let output = first.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "SIG{name}: {stderr}");
        assert!(stderr.contains("--resume"), "{stderr}");
        let summary = read_json(&out.join("summary.json"));
        assert_eq!(summary["status"], "interrupted", "{summary}");
        let steps = summary["steps"].as_u64().unwrap();
        let checkpoint = out.join(summary["checkpoint"].as_str().unwrap());
        assert_eq!(read_json(&checkpoint.join("state.json"))["step"], steps);
        assert!(checkpoint.join("optimizer.bpk").is_file());
        // One writer: every line of the log is whole.
        let log = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap();
        for line in log.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }

        let again = run_into(&config, &out, &[]);
        let refusal = String::from_utf8_lossy(&again.stderr);
        assert!(
            refusal.contains(&format!("interrupted after {steps} steps")),
            "{refusal}"
        );
        assert!(refusal.contains("--resume"), "{refusal}");
    }
}

#[test]
fn a_killed_run_is_reported_as_unfinished_with_resume_offered() {
    let (_dir, config, out) = setup("killed");
    let mut first = start_run(&config, &out);
    // Past the first checkpoint.
    let started = Instant::now();
    while !out.join("checkpoints/step-0000500/state.json").is_file() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no checkpoint written"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    signal(&first, "KILL");
    first.wait().unwrap();
    assert_eq!(read_json(&out.join("summary.json"))["status"], "running");
    let again = run_into(&config, &out, &[]);
    let refusal = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success());
    for phrase in ["stopped without finishing", "--resume", "--overwrite"] {
        assert!(refusal.contains(phrase), "{phrase}: {refusal}");
    }
}
