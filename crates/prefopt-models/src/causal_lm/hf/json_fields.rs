//! Typed reads of the fields of a JSON object, with errors naming the file and the field.

use super::error::HfError;
use prefopt_core::json::json_kind;
use serde_json::{Map, Value};
use std::path::Path;

/// Reads a JSON file that must hold an object.
pub(crate) fn read_object(path: &Path) -> Result<Map<String, Value>, HfError> {
    let text = std::fs::read_to_string(path).map_err(HfError::io(path))?;
    match serde_json::from_str(&text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(other) => Err(HfError::Json {
            path: path.to_path_buf(),
            message: format!("expected a JSON object, got {}", json_kind(&other)),
        }),
        Err(error) => Err(HfError::Json {
            path: path.to_path_buf(),
            message: error.to_string(),
        }),
    }
}

/// The fields of one JSON object read from `path`. A `null` field counts as absent.
pub(crate) struct Fields<'a> {
    pub path: &'a Path,
    pub object: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// The value of `field`, `None` when absent or null.
    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.object.get(field).filter(|value| !value.is_null())
    }

    fn error(&self, field: &str, message: impl Into<String>) -> HfError {
        HfError::field(self.path, field, message)
    }

    fn wrong_type(&self, field: &str, expected: &str, found: &Value) -> HfError {
        self.error(
            field,
            format!("expected {expected}, got {} ({found})", json_kind(found)),
        )
    }

    /// A required non-negative integer.
    pub fn usize(&self, field: &str) -> Result<usize, HfError> {
        self.optional_usize(field)?
            .ok_or_else(|| self.error(field, "missing: expected a non-negative integer"))
    }

    /// An optional non-negative integer.
    pub fn optional_usize(&self, field: &str) -> Result<Option<usize>, HfError> {
        self.get(field)
            .map(|value| {
                value
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| self.wrong_type(field, "a non-negative integer", value))
            })
            .transpose()
    }

    /// An optional number.
    pub fn optional_f64(&self, field: &str) -> Result<Option<f64>, HfError> {
        self.get(field)
            .map(|value| {
                value
                    .as_f64()
                    .ok_or_else(|| self.wrong_type(field, "a number", value))
            })
            .transpose()
    }

    /// An optional boolean.
    pub fn optional_bool(&self, field: &str) -> Result<Option<bool>, HfError> {
        self.get(field)
            .map(|value| {
                value
                    .as_bool()
                    .ok_or_else(|| self.wrong_type(field, "true or false", value))
            })
            .transpose()
    }

    /// An optional string.
    pub fn optional_str(&self, field: &str) -> Result<Option<&'a str>, HfError> {
        self.get(field)
            .map(|value| {
                value
                    .as_str()
                    .ok_or_else(|| self.wrong_type(field, "a string", value))
            })
            .transpose()
    }

    /// An optional list of strings.
    pub fn optional_strings(&self, field: &str) -> Result<Option<Vec<&'a str>>, HfError> {
        let Some(value) = self.get(field) else {
            return Ok(None);
        };
        let items = value
            .as_array()
            .ok_or_else(|| self.wrong_type(field, "a list of strings", value))?;
        items
            .iter()
            .map(|item| {
                item.as_str()
                    .ok_or_else(|| self.wrong_type(field, "a list of strings", value))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// An optional token id: an integer below 2^32.
    pub fn optional_token_id(&self, field: &str) -> Result<Option<u32>, HfError> {
        self.get(field)
            .map(|value| self.token_id(field, value))
            .transpose()
    }

    /// Optional token ids: one integer or a list of integers (as `eos_token_id` may be).
    pub fn optional_token_ids(&self, field: &str) -> Result<Option<Vec<u32>>, HfError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| self.token_id(field, item))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(value) => Ok(Some(vec![self.token_id(field, value)?])),
        }
    }

    fn token_id(&self, field: &str, value: &Value) -> Result<u32, HfError> {
        value
            .as_u64()
            .and_then(|id| u32::try_from(id).ok())
            .ok_or_else(|| {
                self.wrong_type(field, "a token id (an integer) or a list of them", value)
            })
    }
}
