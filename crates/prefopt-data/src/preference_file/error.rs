//! Errors of the preference file readers: each names the file, the record and the field.

use prefopt_core::json::json_kind;
use std::fmt;
use std::path::PathBuf;
use thiserror::Error;

/// Where a record sits in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordLocation {
    /// A JSON lines record: its 1-based line.
    Line(usize),
    /// An element of a JSON array: its 0-based index.
    Index(usize),
}

impl fmt::Display for RecordLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordLocation::Line(line) => write!(f, "line {line}"),
            RecordLocation::Index(index) => write!(f, "record {index} of the array"),
        }
    }
}

/// Why a preference file could not be read.
#[derive(Debug, Error)]
pub enum PreferenceFileError {
    /// The file could not be read from disk.
    #[error("{path}: cannot read the file: {source}", path = .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file holds no record.
    #[error("{path}: no records: expected JSON lines or a JSON array of records", path = .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file (or a line of it) is not valid JSON.
    #[error("{path}: line {line}: invalid JSON: {message}", path = .path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the error.
        line: usize,
        /// serde_json's description.
        message: String,
    },
    /// A record is not a JSON object.
    #[error("{path}: {at}: expected a JSON object (a record), found {found}", path = .path.display())]
    NotAnObject {
        /// The file.
        path: PathBuf,
        /// The record.
        at: RecordLocation,
        /// What was found instead (`a number`, `an array`, ...).
        found: String,
    },
    /// The first record's keys match none of the known formats.
    #[error("{path}: {at}: unknown format: expected {expected}; found the fields [{found}]", path = .path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// The record.
        at: RecordLocation,
        /// The formats the reader knows, with their fields.
        expected: String,
        /// The record's keys, comma-separated.
        found: String,
    },
    /// Every record was skipped (`on_bad_example = "skip"`): nothing is left to train on.
    #[error("{path}: no usable record: all {skipped} were skipped; the first: {first}", path = .path.display())]
    NothingUsable {
        /// The file.
        path: PathBuf,
        /// How many records were skipped.
        skipped: usize,
        /// Why the first was skipped.
        first: Box<PreferenceFileError>,
    },
    /// A field of a record is missing, of the wrong type or otherwise invalid.
    #[error("{path}: {at}: `{field}`{problem}", path = .path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// The record.
        at: RecordLocation,
        /// The field, with its position inside lists (`chosen[1].content`).
        field: String,
        /// What is wrong and what was expected, written to follow the field (` missing: expected
        /// ...`, `: expected a string, found a number`).
        problem: String,
    },
}

/// A field error before the file and record are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub field: String,
    pub problem: String,
}

impl FieldError {
    /// `field` is absent; `expected` says what the format needs.
    pub fn missing(field: impl Into<String>, expected: &str) -> Self {
        Self {
            field: field.into(),
            problem: format!(" missing: expected {expected}"),
        }
    }

    /// `field` holds `found` where `expected` was needed.
    pub fn wrong_type(field: impl Into<String>, expected: &str, found: &serde_json::Value) -> Self {
        Self {
            field: field.into(),
            problem: format!(": expected {expected}, found {}", json_kind(found)),
        }
    }

    /// `field` is invalid for another reason.
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            problem: format!(": {}", problem.into()),
        }
    }

    /// The error for this field in record `at` of `path`.
    pub fn locate(self, path: &std::path::Path, at: RecordLocation) -> PreferenceFileError {
        PreferenceFileError::Field {
            path: path.to_path_buf(),
            at,
            field: self.field,
            problem: self.problem,
        }
    }
}

impl From<PreferenceFileError> for prefopt_core::PrefoptError {
    /// An unreadable file stays an I/O error; every other error is a data error with its
    /// message (file, record, field).
    fn from(error: PreferenceFileError) -> Self {
        match error {
            PreferenceFileError::Io { path, source } => {
                prefopt_core::PrefoptError::Io { path, source }
            }
            other => prefopt_core::PrefoptError::Data(other.to_string()),
        }
    }
}
