//! Evaluating cases and comparing with the expected values.

use super::{VectorCase, VectorError, VectorFile};
use crate::trl::Trl;
use prefopt_core::PreferenceObjective;
use prefopt_core::burn::tensor::Device;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// When a computed value matches an expected one: within `rtol` relative **or** `atol` absolute.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tolerance {
    /// Relative tolerance (default 1e-4: the vectors are float32 computations).
    pub rtol: f64,
    /// Absolute tolerance, for values near zero (default 1e-5).
    pub atol: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Self {
            rtol: 1e-4,
            atol: 1e-5,
        }
    }
}

impl Tolerance {
    /// `|computed - expected| <= max(atol, rtol * |expected|)`; NaN never matches.
    pub fn accepts(&self, computed: f64, expected: f64) -> bool {
        let error = (computed - expected).abs();
        error <= self.atol || error <= self.rtol * expected.abs()
    }
}

/// One compared value of a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueResult {
    /// `loss` or the metric's name.
    pub name: String,
    /// The expected value, when the case gives one.
    pub expected: Option<f64>,
    /// The computed value, when the objective computes it.
    pub computed: Option<f64>,
    /// `|computed - expected|`.
    pub absolute_error: Option<f64>,
    /// `|computed - expected| / |expected|` (absent when the expected value is 0).
    pub relative_error: Option<f64>,
    /// Whether the value matches (values with nothing expected always do).
    pub ok: bool,
}

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// Every expected value matched.
    pub ok: bool,
    /// The largest relative error among expected values larger than `atol` (smaller ones are
    /// judged by the absolute tolerance).
    pub worst_relative_error: f64,
    /// The largest absolute error.
    pub worst_absolute_error: f64,
    /// `loss` first, then each metric: expected and computed side by side.
    pub values: Vec<ValueResult>,
}

/// Evaluates one case through the [`Trl`] objective on `device` and compares every expected value.
pub fn evaluate(
    case: &VectorCase,
    tolerance: Tolerance,
    device: &Device,
) -> Result<CaseResult, String> {
    let objective = Trl::new(case.objective.clone()).map_err(|e| e.to_string())?;
    case.inputs.check()?;
    let output = objective.loss(&case.inputs.pair_logps(device));
    let mut computed = vec![(
        "loss".to_string(),
        f64::from(output.loss.into_scalar::<f32>()),
    )];
    computed.extend(output.metrics.values());
    let mut names: Vec<&String> = computed.iter().map(|(name, _)| name).collect();
    names.extend(
        case.expected
            .keys()
            .filter(|name| !computed.iter().any(|(c, _)| c == *name)),
    );
    let mut result = CaseResult {
        name: case.name.clone(),
        ok: true,
        worst_relative_error: 0.0,
        worst_absolute_error: 0.0,
        values: Vec::new(),
    };
    for name in names {
        let value = computed.iter().find(|(c, _)| c == name).map(|(_, v)| *v);
        let expected = case.expected.get(name).copied();
        let (absolute_error, relative_error, ok) = match (value, expected) {
            (Some(value), Some(expected)) => {
                let absolute = (value - expected).abs();
                let relative = (expected != 0.0).then(|| absolute / expected.abs());
                (Some(absolute), relative, tolerance.accepts(value, expected))
            }
            (None, Some(_)) => (None, None, false),
            (_, None) => (None, None, true),
        };
        if let Some(absolute) = absolute_error {
            result.worst_absolute_error = result.worst_absolute_error.max(absolute);
            if expected.is_some_and(|e| e.abs() > tolerance.atol) {
                let relative = relative_error.unwrap_or(f64::INFINITY);
                result.worst_relative_error = result.worst_relative_error.max(relative);
            }
        }
        if absolute_error.is_some_and(f64::is_nan) {
            result.worst_relative_error = f64::NAN;
        }
        result.ok &= ok;
        result.values.push(ValueResult {
            name: name.clone(),
            expected,
            computed: value,
            absolute_error,
            relative_error,
            ok,
        });
    }
    Ok(result)
}

/// Every case of a file, evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The vector file.
    pub file: PathBuf,
    /// Its `source`.
    pub source: Option<String>,
    /// The tolerance used.
    pub tolerance: Tolerance,
    /// Cases whose every value matched.
    pub passed: usize,
    /// All cases.
    pub total: usize,
    /// The worst relative error over all cases.
    pub worst_relative_error: f64,
    /// One result per case, in file order.
    pub cases: Vec<CaseResult>,
}

/// Evaluates every case of `file` (read from `path`) on `device`.
pub fn evaluate_file(
    file: &VectorFile,
    path: &Path,
    tolerance: Tolerance,
    device: &Device,
) -> Result<Report, VectorError> {
    let mut cases = Vec::with_capacity(file.cases.len());
    for (i, case) in file.cases.iter().enumerate() {
        let result = evaluate(case, tolerance, device).map_err(|message| VectorError::Format {
            path: path.to_path_buf(),
            location: format!("cases[{i}] ({})", case.name),
            message,
        })?;
        cases.push(result);
    }
    let worst = cases
        .iter()
        .map(|c| c.worst_relative_error)
        .fold(0.0, f64::max);
    Ok(Report {
        file: path.to_path_buf(),
        source: file.source.clone(),
        tolerance,
        passed: cases.iter().filter(|c| c.ok).count(),
        total: cases.len(),
        worst_relative_error: worst,
        cases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASE: &str = r#"{"cases": [{"name": "one", "objective": {"loss_type": ["sigmoid"], "beta": 0.1},
        "inputs": {"policy_chosen_logps": [-1.0], "policy_rejected_logps": [-1.0], "ref_chosen_logps": [-1.0],
        "ref_rejected_logps": [-1.0], "chosen_tokens": [1], "rejected_tokens": [1]},
        "expected": {"loss": 0.6931472, "rewards/margins": 0.0}}]}"#;

    #[test]
    fn evaluates_and_compares() {
        let file = VectorFile::parse(CASE, Path::new("v.json")).unwrap();
        let report = evaluate_file(
            &file,
            Path::new("v.json"),
            Tolerance::default(),
            &Device::default(),
        )
        .unwrap();
        assert_eq!((report.passed, report.total), (1, 1));
        let wrong = CASE.replace("0.6931472", "0.7");
        let file = VectorFile::parse(&wrong, Path::new("v.json")).unwrap();
        let report = evaluate_file(
            &file,
            Path::new("v.json"),
            Tolerance::default(),
            &Device::default(),
        )
        .unwrap();
        assert_eq!(report.passed, 0);
        assert!(!report.cases[0].values[0].ok);
    }

    #[test]
    fn errors_name_the_file_case_and_field() {
        let bad = CASE.replace("\"chosen_tokens\": [1]", "\"chosen_tokens\": [1, 2]");
        let error = VectorFile::parse(&bad, Path::new("v.json"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("v.json")
                && error.contains("cases[0] (one).inputs")
                && error.contains("chosen_tokens"),
            "{error}"
        );
        let bad = CASE.replace("[\"sigmoid\"]", "[\"kto\"]");
        let error = VectorFile::parse(&bad, Path::new("v.json"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("objective.loss_type[0]"), "{error}");
    }

    #[test]
    fn tolerance_is_relative_or_absolute() {
        let tolerance = Tolerance::default();
        assert!(tolerance.accepts(1.00005, 1.0) && !tolerance.accepts(1.0002, 1.0));
        assert!(tolerance.accepts(5e-6, 0.0) && !tolerance.accepts(2e-5, 0.0));
        assert!(!tolerance.accepts(f64::NAN, 0.0));
    }
}
