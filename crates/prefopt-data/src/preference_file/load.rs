//! Reading a file into JSON records: JSON lines or a JSON array, told apart by content.

use super::error::{PreferenceFileError, RecordLocation};
use super::nonfinite::{find_marker, mark_non_finite, non_finite_problem};
use prefopt_core::json::json_kind;
use serde_json::{Map, Value};
use std::path::Path;

/// A record's fields, or why it cannot be read, with its location.
pub(crate) type Entry = (
    RecordLocation,
    Result<Map<String, Value>, PreferenceFileError>,
);

/// The records of `path`: a JSON array when the first non-space character is `[`, JSON lines
/// otherwise (blank lines skipped). A line that is not JSON, or not an object, is an entry of its
/// own error, so that a reader may skip it; an unreadable file, an array that does not parse and
/// a file without records are errors of the whole file.
pub(crate) fn load_entries(path: &Path) -> Result<Vec<Entry>, PreferenceFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| PreferenceFileError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let entries = if text.trim_start().starts_with('[') {
        load_array(path, &text)?
    } else {
        load_lines(path, &text)
    };
    if entries.is_empty() {
        return Err(PreferenceFileError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(entries)
}

fn load_array(path: &Path, text: &str) -> Result<Vec<Entry>, PreferenceFileError> {
    let values: Vec<Value> = match serde_json::from_str(text) {
        Ok(values) => values,
        Err(error) => {
            let json_error = PreferenceFileError::Json {
                path: path.to_path_buf(),
                line: error.line(),
                message: error.to_string(),
            };
            // A Python-written NaN: read the array again to name the record and field.
            let Some(marked) = mark_non_finite(text) else {
                return Err(json_error);
            };
            serde_json::from_str(&marked).map_err(|_| json_error)?
        }
    };
    Ok(values
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            let at = RecordLocation::Index(index);
            (at, into_object(path, at, value))
        })
        .collect())
}

fn load_lines(path: &Path, text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = RecordLocation::Line(index + 1);
        let record = match serde_json::from_str::<Value>(line) {
            Ok(value) => into_object(path, at, value),
            Err(error) => {
                let json_error = PreferenceFileError::Json {
                    path: path.to_path_buf(),
                    line: index + 1,
                    message: error.to_string(),
                };
                match mark_non_finite(line).and_then(|marked| serde_json::from_str(&marked).ok()) {
                    Some(value) => into_object(path, at, value),
                    None => Err(json_error),
                }
            }
        };
        entries.push((at, record));
    }
    entries
}

/// `value` as a record: an object without non-finite markers.
fn into_object(
    path: &Path,
    at: RecordLocation,
    value: Value,
) -> Result<Map<String, Value>, PreferenceFileError> {
    if let Some((field, literal)) = find_marker(&value) {
        if field.is_empty() {
            return Err(PreferenceFileError::NotAnObject {
                path: path.to_path_buf(),
                at,
                found: literal,
            });
        }
        return Err(PreferenceFileError::Field {
            path: path.to_path_buf(),
            at,
            field,
            problem: non_finite_problem(&literal),
        });
    }
    match value {
        Value::Object(map) => Ok(map),
        other => Err(PreferenceFileError::NotAnObject {
            path: path.to_path_buf(),
            at,
            found: json_kind(&other).to_string(),
        }),
    }
}
