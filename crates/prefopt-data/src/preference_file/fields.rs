//! Reading typed fields out of a JSON record, with errors that name the field.

use super::error::FieldError;
use super::record::Content;
use prefopt_core::ChatMessage;
use serde_json::{Map, Value};

/// What a text-or-conversational field holds.
pub(crate) const CONTENT_EXPECTED: &str = "a string or a list of {role, content} messages";

/// The value of `field`, or a "missing" error saying the format needs `format_fields`.
pub(crate) fn required<'a>(
    record: &'a Map<String, Value>,
    field: &str,
    format_fields: &str,
) -> Result<&'a Value, FieldError> {
    record
        .get(field)
        .ok_or_else(|| FieldError::missing(field, format_fields))
}

/// A string field.
pub(crate) fn string(value: &Value, field: &str) -> Result<String, FieldError> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| FieldError::wrong_type(field, "a string", value))
}

/// A boolean field.
pub(crate) fn boolean(value: &Value, field: &str) -> Result<bool, FieldError> {
    value
        .as_bool()
        .ok_or_else(|| FieldError::wrong_type(field, "a boolean (true or false)", value))
}

/// A text-or-conversational field: a string, or a list of `{role, content}` messages.
pub(crate) fn content(value: &Value, field: &str) -> Result<Content, FieldError> {
    match value {
        Value::String(text) => Ok(Content::Text(text.clone())),
        Value::Array(items) => messages(items, field).map(Content::Messages),
        other => Err(FieldError::wrong_type(field, CONTENT_EXPECTED, other)),
    }
}

/// A list of `{role, content}` messages.
pub(crate) fn messages(items: &[Value], field: &str) -> Result<Vec<ChatMessage>, FieldError> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let name = format!("{field}[{index}]");
            let object = item
                .as_object()
                .ok_or_else(|| FieldError::wrong_type(&name, "a {role, content} message", item))?;
            let role = required(object, "role", "a {role, content} message")
                .map_err(|e| prefixed(&name, e))?;
            let text = required(object, "content", "a {role, content} message")
                .map_err(|e| prefixed(&name, e))?;
            Ok(ChatMessage::new(
                string(role, &format!("{name}.role"))?,
                string(text, &format!("{name}.content"))?,
            ))
        })
        .collect()
}

/// `error` with its field placed under `parent` (`chosen[1]` + `role` = `chosen[1].role`).
pub(crate) fn prefixed(parent: &str, error: FieldError) -> FieldError {
    FieldError {
        field: format!("{parent}.{}", error.field),
        problem: error.problem,
    }
}

/// Checks that `fields` are all text or all messages, as the first of them.
pub(crate) fn same_kind(fields: &[(&str, &Content)]) -> Result<(), FieldError> {
    let Some((first_name, first)) = fields.first() else {
        return Ok(());
    };
    for (name, value) in &fields[1..] {
        if value.is_conversational() != first.is_conversational() {
            return Err(FieldError::invalid(
                *name,
                format!(
                    "expected {} like `{first_name}`, found {}",
                    kind_name(first),
                    kind_name(value)
                ),
            ));
        }
    }
    Ok(())
}

/// `a string` or `a list of messages`.
pub(crate) fn kind_name(content: &Content) -> &'static str {
    if content.is_conversational() {
        "a list of messages"
    } else {
        "a string"
    }
}

/// What a `weight` field holds (weights become f32 tensors).
pub(crate) const WEIGHT_EXPECTED: &str = "a finite number >= 0 and at most 3.4e38 (an f32)";

/// The optional `weight` of a record: absent or null is `None`; otherwise a finite number >= 0.
pub(crate) fn weight(record: &Map<String, Value>) -> Result<Option<f64>, FieldError> {
    let value = match record.get("weight") {
        None | Some(Value::Null) => return Ok(None),
        Some(value) => value,
    };
    let weight = value
        .as_f64()
        .ok_or_else(|| FieldError::wrong_type("weight", WEIGHT_EXPECTED, value))?;
    if !(weight.is_finite() && weight >= 0.0 && weight <= f32::MAX as f64) {
        return Err(FieldError::invalid(
            "weight",
            format!("expected {WEIGHT_EXPECTED}, found {weight}"),
        ));
    }
    Ok(Some(weight))
}
