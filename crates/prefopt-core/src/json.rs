//! Small helpers for messages about JSON input.

use serde_json::Value;

/// The JSON type of `value` as an error message says it: `null`, `a boolean`, `a number`,
/// `a string`, `a list` or `an object`.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
