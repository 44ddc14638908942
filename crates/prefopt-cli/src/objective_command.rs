//! `prefopt objective eval`.

use crate::cli::EvalArgs;
use anyhow::{Context, Result, bail};
use prefopt::burn::tensor::Device;
use prefopt::dpo::vectors::{Tolerance, VectorFile, evaluate_file};

/// Evaluates every case of a test-vector file, prints one line per case (name, ok/FAIL, worst
/// relative error), optionally writes the computed values next to the expected ones, and fails
/// when any case differs beyond tolerance.
pub fn eval(args: &EvalArgs) -> Result<()> {
    for (name, value) in [("--rtol", args.rtol), ("--atol", args.atol)] {
        if !(value.is_finite() && value >= 0.0) {
            bail!("{name} must be a finite number >= 0, got {value}");
        }
    }
    let tolerance = Tolerance {
        rtol: args.rtol,
        atol: args.atol,
    };
    let file = VectorFile::load(&args.vectors)?;
    let report = evaluate_file(&file, &args.vectors, tolerance, &Device::default())?;
    let width = report.cases.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for case in &report.cases {
        let status = if case.ok { "ok" } else { "FAIL" };
        println!(
            "{status:<4}  {:<width$}  worst relative error {:.2e}",
            case.name, case.worst_relative_error
        );
        for value in case.values.iter().filter(|v| !v.ok) {
            let show = |v: Option<f64>| v.map_or("missing".to_string(), |v| format!("{v}"));
            println!(
                "      {}: computed {}, expected {}",
                value.name,
                show(value.computed),
                show(value.expected)
            );
        }
    }
    println!(
        "{}/{} cases within rtol {:e} or atol {:e}; worst relative error {:.2e}",
        report.passed, report.total, tolerance.rtol, tolerance.atol, report.worst_relative_error
    );
    if let Some(output) = &args.output {
        let json = serde_json::to_vec_pretty(&report)?;
        prefopt::fs::write_atomic(output, &json)
            .with_context(|| format!("writing {}", output.display()))?;
        println!("wrote {}", output.display());
    }
    if report.passed < report.total {
        bail!(
            "{}: {} of {} cases differ beyond tolerance",
            args.vectors.display(),
            report.total - report.passed,
            report.total
        );
    }
    Ok(())
}
