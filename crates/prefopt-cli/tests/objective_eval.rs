//! `prefopt objective eval` on TRL's test vectors: exit 0 when they match, non-zero naming the
//! case when one expected value is wrong.

use std::path::Path;
use std::process::{Command, Output};

/// TRL's own values, copied into the repository (provenance: `tests/data/golden/README.md`).
const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/golden/trl_pairwise_losses.json"
);

fn eval(vectors: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prefopt"))
        .args(["objective", "eval"])
        .arg(vectors)
        .args(extra)
        .output()
        .expect("runs prefopt")
}

#[test]
fn the_golden_vectors_pass_and_results_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.json");
    let output = eval(Path::new(GOLDEN), &["--output", results.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("sigmoid-reverse_kl-0") && !stdout.contains("FAIL"),
        "{stdout}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    assert_eq!(report["passed"], report["total"]);
    let first = &report["cases"][0]["values"][0];
    assert_eq!(first["name"], "loss");
    assert!(
        first["computed"].is_number() && first["expected"].is_number(),
        "{first}"
    );
}

#[test]
fn a_wrong_expected_loss_fails_and_names_the_case() {
    let mut vectors: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(GOLDEN).unwrap()).unwrap();
    let case = &mut vectors["cases"][5];
    let name = case["name"].as_str().unwrap().to_string();
    let loss = case["expected"]["loss"].as_f64().unwrap();
    case["expected"]["loss"] = serde_json::json!(loss * 1.01 + 0.01);
    let dir = tempfile::tempdir().unwrap();
    let modified = dir.path().join("modified.json");
    std::fs::write(&modified, serde_json::to_string(&vectors).unwrap()).unwrap();
    let output = eval(&modified, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    let line = stdout
        .lines()
        .find(|line| line.contains(&name))
        .unwrap_or_else(|| panic!("no line names {name}:\n{stdout}"));
    assert!(line.starts_with("FAIL"), "{line}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("FAIL")).count(),
        1,
        "{stdout}"
    );
}

#[test]
fn a_malformed_file_names_the_case_and_field() {
    let mut vectors: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(GOLDEN).unwrap()).unwrap();
    vectors["cases"][2]["inputs"]["chosen_tokens"] = serde_json::json!([1]);
    let dir = tempfile::tempdir().unwrap();
    let modified = dir.path().join("bad.json");
    std::fs::write(&modified, serde_json::to_string(&vectors).unwrap()).unwrap();
    let output = eval(&modified, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("bad.json")
            && stderr.contains("cases[2]")
            && stderr.contains("chosen_tokens"),
        "{stderr}"
    );
}

/// Runs `prefopt objective eval` on the golden file edited by `edit`; returns stderr, after
/// checking that the command failed.
fn failure_of(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut vectors: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(GOLDEN).unwrap()).unwrap();
    edit(&mut vectors);
    let dir = tempfile::tempdir().unwrap();
    let modified = dir.path().join("edited.json");
    std::fs::write(&modified, serde_json::to_string(&vectors).unwrap()).unwrap();
    let output = eval(&modified, &[]);
    assert!(
        !output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_file_with_no_cases_checks_nothing_and_fails() {
    let stderr = failure_of(|v| v["cases"] = serde_json::json!([]));
    assert!(
        stderr.contains("edited.json") && stderr.contains("no cases"),
        "{stderr}"
    );
}

#[test]
fn token_counts_must_be_positive() {
    for (field, value) in [("chosen_tokens", 0.0), ("rejected_tokens", -3.0)] {
        let stderr = failure_of(|v| v["cases"][4]["inputs"][field][0] = serde_json::json!(value));
        assert!(stderr.contains("cases[4]"), "{stderr}");
        assert!(stderr.contains(&format!("{field}[0]")), "{stderr}");
        assert!(stderr.contains("must be > 0"), "{stderr}");
    }
}

#[test]
fn a_value_too_large_for_f32_says_so() {
    let stderr = failure_of(|v| {
        v["cases"][1]["inputs"]["policy_chosen_logps"][0] = serde_json::json!(-1e308)
    });
    assert!(stderr.contains("cases[1]"), "{stderr}");
    assert!(
        stderr.contains("policy_chosen_logps[0]: overflows f32"),
        "{stderr}"
    );
}
