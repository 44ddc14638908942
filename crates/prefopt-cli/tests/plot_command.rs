//! `prefopt plot RUN_DIR`: a run's plots redrawn from its `metrics.jsonl`, with the held-out
//! curves where a held-out split was evaluated, and errors that name the line.

use std::path::Path;

use crate::common;
use common::prefopt;

/// Steps 0-40 of a preference run: training loss and reward metrics every 10 steps, held-out
/// ones every 20.
fn metrics_lines() -> Vec<String> {
    (0..=4)
        .map(|i| {
            let step = 10 * i;
            let x = i as f64 / 4.0;
            let mut line = format!(
                r#"{{"step":{step},"loss":{},"rewards/accuracies":{},"rewards/margins":{}"#,
                0.693 - 0.2 * x,
                0.5 + 0.4 * x,
                0.5 * x
            );
            if step % 20 == 0 {
                line.push_str(&format!(
                    r#","eval_loss":{},"eval_rewards/accuracies":{},"eval_rewards/margins":{}"#,
                    0.693 - 0.05 * x,
                    0.5 + 0.1 * x,
                    0.1 * x
                ));
            }
            line.push('}');
            line
        })
        .collect()
}

fn plot(dir: &Path) -> std::process::Output {
    prefopt(&["plot", dir.to_str().unwrap()])
}

#[test]
fn held_out_curves_are_drawn_beside_the_training_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("metrics.jsonl"), metrics_lines().join("\n")).unwrap();
    let output = plot(dir.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(printed.contains("training.svg") && printed.contains("training.png"));
    let svg = std::fs::read_to_string(dir.path().join("plots/training.svg")).unwrap();
    for title in ["Loss", "Preference accuracy", "Reward margin"] {
        assert!(svg.contains(title), "no {title} panel");
    }
    for series in [
        "eval_loss",
        "eval_rewards/accuracies",
        "eval_rewards/margins",
    ] {
        assert!(svg.contains(series), "no {series} series");
    }
    assert!(dir.path().join("plots/training.png").is_file());
}

#[test]
fn a_run_cut_off_mid_line_is_drawn_up_to_its_last_complete_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = metrics_lines().join("\n");
    text.push_str("\n{\"step\":50,\"lo");
    std::fs::write(dir.path().join("metrics.jsonl"), text).unwrap();
    let output = plot(dir.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.path().join("plots/training.svg").is_file());
}

#[test]
fn a_broken_line_is_named_and_a_directory_without_metrics_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = metrics_lines();
    lines[1] = "not json".into();
    std::fs::write(dir.path().join("metrics.jsonl"), lines.join("\n")).unwrap();
    let output = plot(dir.path());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("metrics.jsonl:2") && stderr.contains("not a metrics record"),
        "{stderr}"
    );

    let empty = tempfile::tempdir().unwrap();
    let output = plot(empty.path());
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no metrics.jsonl"));
}
