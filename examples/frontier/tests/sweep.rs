//! A reduced bandit sweep: points in the CSV, completed runs skipped on a rerun, a failing
//! entry isolated, and entries that cannot run refused before any training, by name.

use prefopt::train::compare::{Action, CompareOptions, Sweep, run_sweep};
use prefopt::{StopFlag, parse_device};
use std::path::Path;

const BASE: &str = r#"
seeds = [0, 1]
[task]
type = "bandit"
contexts = 3
actions = 4
pairs = "population"
[policy]
type = "tabular"
[train]
steps = 60
lr = 0.05
batch_size = 16
eval_every = 60
log_every = 30
"#;

const METHODS: &str = r#"
[[method]]
name = "exact"
vary = { "algorithm.beta" = [0.5, 2.0] }
[method.algorithm]
type = "exact"

[[method]]
name = "dpo"
vary = { "algorithm.objective.beta" = [0.5, 2.0] }
[method.algorithm]
type = "offline"
[method.algorithm.objective]
type = "dpo"

[[method]]
name = "ppo"
vary = { "algorithm.kl_coef" = [1.0] }
[method.reward]
type = "ground_truth"
[method.algorithm]
type = "ppo"

# Passes every check, then fails when the run reads the reward model's file.
[[method]]
name = "missing-rm"
[method.reward]
type = "saved"
path = "/nonexistent/prefopt-reward-model"
[method.algorithm]
type = "rloo"
"#;

fn options(out: &Path) -> CompareOptions {
    CompareOptions {
        out_dir: out.to_path_buf(),
        device: parse_device("flex").unwrap(),
        stop: StopFlag::new(),
        command: "sweep test".into(),
    }
}

fn sweep(dir: &Path, text: &str) -> Sweep {
    let path = dir.join("sweep.toml");
    std::fs::write(&path, text).unwrap();
    Sweep::load(&path).unwrap()
}

#[test]
fn a_sweep_writes_its_points_skips_finished_runs_and_isolates_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let sweep = sweep(dir.path(), &format!("{BASE}{METHODS}"));
    let report = run_sweep(&sweep, &options(&out)).unwrap();
    // 2 + 2 + 1 + 1 (method, value) pairs, 2 seeds each.
    assert_eq!(report.records.len(), 12);
    assert!(report.actions.iter().all(|a| *a == Action::Ran));
    assert_eq!(report.failed(), 2, "{:#?}", report.records);
    for record in &report.records {
        if record.id.method == "missing-rm" {
            assert_eq!(record.status, "failed");
            let error = record.error.as_deref().unwrap();
            assert!(
                error.contains("/nonexistent/prefopt-reward-model"),
                "{error}"
            );
        } else {
            assert!(record.completed(), "{record:?}");
            assert!(record.reward.is_some() && record.kl_reference.is_some());
        }
    }
    let csv = std::fs::read_to_string(out.join("points.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 13, "{csv}");
    assert!(lines[0].starts_with("method,key,value,seed,status,reward,"));
    let column = |name: &str| lines[0].split(',').position(|c| c == name).unwrap();
    let exact = lines
        .iter()
        .find(|l| l.starts_with("exact,algorithm.beta,0.5,0,"))
        .unwrap();
    let fields: Vec<&str> = exact.split(',').collect();
    assert_eq!(fields[column("status")], "completed");
    assert_eq!(fields[column("kl_optimal")], "0");
    let kl: f64 = fields[column("kl_reference")].parse().unwrap();
    assert!(kl > 0.0);
    // DPO on the population loss approaches the same pi*: at beta 2 after 60 steps it is close.
    let dpo_kl_optimal = report
        .records
        .iter()
        .find(|r| r.id.method == "dpo" && r.id.value.as_deref() == Some("2") && r.id.seed == 0)
        .and_then(|r| r.kl_optimal)
        .unwrap()
        .value;
    assert!(dpo_kl_optimal < 0.05, "{dpo_kl_optimal}");
    let md = std::fs::read_to_string(out.join("points.md")).unwrap();
    assert!(md.contains("| missing-rm | - | 0 | failed |"), "{md}");
    for file in ["means.csv", "frontier.svg", "frontier.png"] {
        assert!(out.join(file).is_file(), "{file}");
    }
    assert!(out.join("dpo/beta=0.5/seed-1/summary.json").is_file());
    // pi*'s curve is there: the bandit's optimum is known.
    assert!(report.optimum.len() > 10);

    // Again: completed runs are read back, the failed ones tried again (and failing again).
    let again = run_sweep(&sweep, &options(&out)).unwrap();
    for (record, action) in again.records.iter().zip(&again.actions) {
        let expected = if record.id.method == "missing-rm" {
            Action::Ran
        } else {
            Action::Skipped
        };
        assert_eq!(*action, expected, "{record:?}");
    }
    assert_eq!(again.means, report.means);
}

#[test]
fn an_unknown_plugin_is_refused_before_training_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let text = format!(
        "{BASE}{METHODS}\n[[method]]\nname = \"typo\"\nvary = {{ \"algorithm.objective.beta\" = [0.1] }}\n\
         [method.algorithm]\ntype = \"offline\"\n[method.algorithm.objective]\ntype = \"dpoo\"\n"
    );
    let sweep = sweep(dir.path(), &text);
    let error = run_sweep(&sweep, &options(&out)).unwrap_err().to_string();
    assert!(error.contains("method \"typo\""), "{error}");
    assert!(error.contains("dpoo"), "{error}");
    // The line of the misspelt type in the sweep file.
    let line = text.lines().position(|l| l.contains("\"dpoo\"")).unwrap() + 1;
    assert!(error.contains(&format!("line {line},")), "{error}");
    assert!(!out.exists(), "nothing may run before the sweep is checked");
}

#[test]
fn an_algorithm_the_task_cannot_run_is_refused_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // PPO without a [reward] section.
    let text = format!(
        "{BASE}{METHODS}\n[[method]]\nname = \"no-reward\"\n[method.algorithm]\ntype = \"ppo\"\n"
    );
    let sweep = sweep(dir.path(), &text);
    let error = run_sweep(&sweep, &options(&out)).unwrap_err().to_string();
    assert!(error.contains("method \"no-reward\""), "{error}");
    assert!(error.contains("[reward]"), "{error}");
    assert!(!out.exists(), "nothing may run before the sweep is checked");
}

#[test]
fn the_example_sweep_parses_and_plans() {
    let sweep = Sweep::load(&frontier_example::bandit_sweep()).unwrap();
    let runs = prefopt::train::compare::plan::plan(&sweep, Path::new("unused")).unwrap();
    assert_eq!(runs.len(), sweep.methods.len() * 4 * 2);
    let device = parse_device("flex").unwrap();
    prefopt::train::compare::plan::preflight(&sweep, &runs, &device).unwrap();
}
