//! The vector file format: parsing, with errors that name the file, the case and the field.

use crate::trl::{Trl, TrlSettings};
use prefopt_core::PairLogps;
use prefopt_core::burn::tensor::Device;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What can go wrong reading a vector file: the file, and the case and field at fault.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file, or one case of it, is not in the vector format.
    #[error("{path}: {location}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// Where: `cases[3] (name).inputs`, or the top level.
        location: String,
        /// What is wrong.
        message: String,
    },
}

/// The per-sequence inputs of a case, one entry per pair (TRL's names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorInputs {
    /// `log pi(y_w|x)`, summed over completion tokens.
    pub policy_chosen_logps: Vec<f32>,
    /// `log pi(y_l|x)`, summed over completion tokens.
    pub policy_rejected_logps: Vec<f32>,
    /// `log pi_ref(y_w|x)`.
    pub ref_chosen_logps: Vec<f32>,
    /// `log pi_ref(y_l|x)`.
    pub ref_rejected_logps: Vec<f32>,
    /// Completion token counts of the chosen sequences.
    pub chosen_tokens: Vec<f32>,
    /// Completion token counts of the rejected sequences.
    pub rejected_tokens: Vec<f32>,
}

impl VectorInputs {
    /// Checks that every input has the same, non-zero number of pairs, that every value fits in
    /// f32 (JSON has no infinity, so a non-finite value is a number too large for f32), and
    /// that every token count is positive.
    pub fn check(&self) -> Result<usize, String> {
        let columns = [
            ("policy_chosen_logps", &self.policy_chosen_logps),
            ("policy_rejected_logps", &self.policy_rejected_logps),
            ("ref_chosen_logps", &self.ref_chosen_logps),
            ("ref_rejected_logps", &self.ref_rejected_logps),
            ("chosen_tokens", &self.chosen_tokens),
            ("rejected_tokens", &self.rejected_tokens),
        ];
        let pairs = self.policy_chosen_logps.len();
        if pairs == 0 {
            return Err("policy_chosen_logps: no pairs".into());
        }
        for (name, column) in columns {
            if column.len() != pairs {
                return Err(format!(
                    "{name}: {} values, but policy_chosen_logps has {pairs}",
                    column.len()
                ));
            }
            if let Some(i) = column.iter().position(|v| !v.is_finite()) {
                return Err(format!(
                    "{name}[{i}]: overflows f32 (the inputs are f32, whose largest finite value \
                     is {:e})",
                    f32::MAX
                ));
            }
            if name.ends_with("_tokens")
                && let Some(i) = column.iter().position(|v| *v <= 0.0)
            {
                return Err(format!(
                    "{name}[{i}]: a completion has at least one token: must be > 0, got {}",
                    column[i]
                ));
            }
        }
        Ok(pairs)
    }

    /// The inputs as pair log-probs on `device`.
    pub fn pair_logps(&self, device: &Device) -> PairLogps {
        PairLogps::from_values(
            &self.policy_chosen_logps,
            &self.policy_rejected_logps,
            &self.ref_chosen_logps,
            &self.ref_rejected_logps,
            &self.chosen_tokens,
            &self.rejected_tokens,
            device,
        )
    }
}

/// One test vector: TRL's settings, the inputs, and the expected `loss` and metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorCase {
    /// The case's name (`cases[i]` when the file gives none).
    #[serde(default)]
    pub name: String,
    /// TRL's loss settings.
    pub objective: TrlSettings,
    /// Per-sequence inputs.
    pub inputs: VectorInputs,
    /// Expected values: `loss` and metric names (`rewards/chosen`, ...).
    pub expected: BTreeMap<String, f64>,
}

/// A parsed vector file.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorFile {
    /// Where the values come from (the file's `source`).
    pub source: Option<String>,
    /// The cases, in file order.
    pub cases: Vec<VectorCase>,
}

impl VectorFile {
    /// Reads and parses a vector file; errors name the file, the case and the field.
    pub fn load(path: &Path) -> Result<Self, VectorError> {
        let text = std::fs::read_to_string(path).map_err(|source| VectorError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses the text of a vector file; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, VectorError> {
        let error = |location: String, message: String| VectorError::Format {
            path: path.to_path_buf(),
            location,
            message,
        };
        let mut document: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| error("the file".into(), format!("not JSON: {e}")))?;
        let source = document
            .get("source")
            .and_then(|s| s.as_str())
            .map(str::to_string);
        let cases = match document.get_mut("cases").map(serde_json::Value::take) {
            Some(serde_json::Value::Array(cases)) => cases,
            _ => {
                return Err(error(
                    "the file".into(),
                    "expected an object with a `cases` array".into(),
                ));
            }
        };
        if cases.is_empty() {
            return Err(error(
                "cases".into(),
                "no cases: a vector file holds at least one case to check".into(),
            ));
        }
        let mut parsed = Vec::with_capacity(cases.len());
        for (i, mut case) in cases.into_iter().enumerate() {
            let name = case
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or_default()
                .to_string();
            let at = |field: &str| match name.as_str() {
                "" => format!("cases[{i}].{field}"),
                name => format!("cases[{i}] ({name}).{field}"),
            };
            let mut take = |field: &str| {
                case.get_mut(field)
                    .map(serde_json::Value::take)
                    .ok_or_else(|| error(at(field), "missing".into()))
            };
            let objective: TrlSettings = serde_json::from_value(take("objective")?)
                .map_err(|e| error(at("objective"), e.to_string()))?;
            let inputs: VectorInputs = serde_json::from_value(take("inputs")?)
                .map_err(|e| error(at("inputs"), e.to_string()))?;
            let expected: BTreeMap<String, f64> = serde_json::from_value(take("expected")?)
                .map_err(|e| error(at("expected"), e.to_string()))?;
            inputs.check().map_err(|e| error(at("inputs"), e))?;
            if !expected.contains_key("loss") {
                return Err(error(at("expected.loss"), "missing".into()));
            }
            Trl::new(objective.clone())
                .map_err(|e| error(at(&format!("objective.{}", e.field)), e.message))?;
            let name = if name.is_empty() {
                format!("cases[{i}]")
            } else {
                name
            };
            parsed.push(VectorCase {
                name,
                objective,
                inputs,
                expected,
            });
        }
        Ok(Self {
            source,
            cases: parsed,
        })
    }
}
