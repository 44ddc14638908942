//! TRL's own loss values (`tests/data/golden/trl_pairwise_losses.json`, computed by TRL's
//! `DPOTrainer._compute_loss` in float32): every case's loss and its six metrics match within
//! 1e-4 relative or 1e-5 absolute.

use prefopt_core::burn::tensor::Device;
use prefopt_dpo::vectors::{Tolerance, VectorFile, evaluate_file};
use std::path::Path;

/// TRL's own values, copied into the repository (provenance: `tests/data/golden/README.md`).
const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/golden/trl_pairwise_losses.json"
);

const METRICS: [&str; 7] = [
    "loss",
    "rewards/chosen",
    "rewards/rejected",
    "rewards/accuracies",
    "rewards/margins",
    "logps/chosen",
    "logps/rejected",
];

#[test]
fn every_trl_case_matches() {
    let path = Path::new(GOLDEN);
    let file = VectorFile::load(path).unwrap();
    assert!(!file.cases.is_empty());
    for case in &file.cases {
        for metric in METRICS {
            assert!(
                case.expected.contains_key(metric),
                "{}: expects no `{metric}`",
                case.name
            );
        }
    }
    let report = evaluate_file(&file, path, Tolerance::default(), &Device::default()).unwrap();
    let failures: Vec<String> = report
        .cases
        .iter()
        .filter(|case| !case.ok)
        .map(|case| {
            let values: Vec<String> = case
                .values
                .iter()
                .filter(|v| !v.ok)
                .map(|v| {
                    format!(
                        "{}: computed {:?}, expected {:?}",
                        v.name, v.computed, v.expected
                    )
                })
                .collect();
            format!("{}: {}", case.name, values.join("; "))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        report.total,
        failures.join("\n")
    );
    println!(
        "{}/{} cases match; worst relative error {:.3e}",
        report.passed, report.total, report.worst_relative_error
    );
}

#[test]
fn every_trl_loss_type_is_covered() {
    let file = VectorFile::load(Path::new(GOLDEN)).unwrap();
    for name in prefopt_dpo::trl::LOSS_TYPES {
        assert!(
            file.cases
                .iter()
                .any(|case| case.objective.loss_type.iter().any(|t| t == name)),
            "no case for {name}"
        );
    }
}
