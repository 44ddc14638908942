//! The example's configs run end to end, shortened: every run reports finite metrics against
//! pi*, and the table and the plot are written.

use std::path::PathBuf;

#[test]
fn every_config_runs_short_and_the_outputs_are_written() {
    let configs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("configs");
    let out = std::env::temp_dir().join(format!("prefopt-rlhf-example-{}", std::process::id()));
    let rows = rlhf_bandit_example::compare(&configs, &out, Some(60)).unwrap();
    let names: Vec<&str> = rows.iter().map(|row| row.name.as_str()).collect();
    assert_eq!(names, ["exact", "dpo", "ppo", "grpo", "rloo"]);
    for row in &rows {
        assert!(
            row.kl_optimal.is_finite() && row.kl_reference.is_finite() && row.reward.is_finite(),
            "{row:?}"
        );
    }
    assert_eq!(rows[0].kl_optimal, 0.0, "exact is pi* itself");
    for row in &rows[1..] {
        assert_eq!(row.steps, 60, "{}", row.name);
        let start = row.curve[0].1;
        assert!(
            row.kl_optimal < start,
            "{}: {start} -> {}",
            row.name,
            row.kl_optimal
        );
    }
    let written = rlhf_bandit_example::write_outputs(&rows, &out).unwrap();
    for name in ["comparison.md", "kl_optimal.svg", "kl_optimal.png"] {
        assert!(written.contains(&out.join(name)), "{name}: {written:?}");
        assert!(out.join(name).metadata().unwrap().len() > 0, "{name}");
    }
    let table = std::fs::read_to_string(out.join("comparison.md")).unwrap();
    assert_eq!(table.lines().count(), 2 + rows.len());
    std::fs::remove_dir_all(&out).unwrap();
}
