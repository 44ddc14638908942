//! Reading a file into JSON records: JSON lines or a JSON array, told apart by content.

use super::error::{PreferenceFileError, RecordLocation};
use prefopt_core::json::json_kind;
use serde_json::{Map, Value};
use std::path::Path;

/// A record's fields with its location.
pub(crate) type RawRecord = (RecordLocation, Map<String, Value>);

/// The records of `path`: a JSON array when the first non-space character is `[`, JSON lines
/// otherwise (blank lines skipped). An empty file is an error.
pub(crate) fn load_records(path: &Path) -> Result<Vec<RawRecord>, PreferenceFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| PreferenceFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let trimmed = text.trim_start();
    let records = if trimmed.starts_with('[') {
        load_array(path, &text)?
    } else {
        load_lines(path, &text)?
    };
    if records.is_empty() {
        return Err(PreferenceFileError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(records)
}

fn load_array(path: &Path, text: &str) -> Result<Vec<RawRecord>, PreferenceFileError> {
    let values: Vec<Value> =
        serde_json::from_str(text).map_err(|error| PreferenceFileError::Json {
            path: path.to_path_buf(),
            line: error.line(),
            message: error.to_string(),
        })?;
    values
        .into_iter()
        .enumerate()
        .map(|(index, value)| into_object(path, RecordLocation::Index(index), value))
        .collect()
}

fn load_lines(path: &Path, text: &str) -> Result<Vec<RawRecord>, PreferenceFileError> {
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: Value =
            serde_json::from_str(line).map_err(|error| PreferenceFileError::Json {
                path: path.to_path_buf(),
                line: index + 1,
                message: error.to_string(),
            })?;
        records.push(into_object(path, RecordLocation::Line(index + 1), value)?);
    }
    Ok(records)
}

fn into_object(
    path: &Path,
    at: RecordLocation,
    value: Value,
) -> Result<RawRecord, PreferenceFileError> {
    match value {
        Value::Object(map) => Ok((at, map)),
        other => Err(PreferenceFileError::NotAnObject {
            path: path.to_path_buf(),
            at,
            found: json_kind(&other).to_string(),
        }),
    }
}
