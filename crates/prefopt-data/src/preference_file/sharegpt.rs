//! LLaMA-Factory's ShareGPT format: messages as `{from, value}` with ShareGPT's role names.

use super::error::FieldError;
use super::fields::{prefixed, required, string};
use prefopt_core::ChatMessage;
use serde_json::Value;

/// What a ShareGPT message looks like.
const SHAREGPT_MESSAGE: &str =
    "a {from, value} message with `from` one of human, gpt, system, function_call, observation";

/// The chat role of a ShareGPT `from` tag, as LLaMA-Factory maps it.
fn role_of(from: &str) -> Option<&'static str> {
    match from {
        "human" => Some("user"),
        "gpt" => Some("assistant"),
        "system" => Some("system"),
        "function_call" => Some("function"),
        "observation" => Some("observation"),
        _ => None,
    }
}

/// One ShareGPT message (`{from, value}`) as a chat message.
pub(crate) fn sharegpt_message(value: &Value, field: &str) -> Result<ChatMessage, FieldError> {
    let object = value
        .as_object()
        .ok_or_else(|| FieldError::wrong_type(field, SHAREGPT_MESSAGE, value))?;
    let from = required(object, "from", SHAREGPT_MESSAGE).map_err(|e| prefixed(field, e))?;
    let from_field = format!("{field}.from");
    let from = string(from, &from_field)?;
    let role = role_of(&from).ok_or_else(|| {
        FieldError::invalid(
            &from_field,
            format!(
                "expected one of human, gpt, system, function_call, observation, found {from:?}"
            ),
        )
    })?;
    let text = required(object, "value", SHAREGPT_MESSAGE).map_err(|e| prefixed(field, e))?;
    Ok(ChatMessage::new(
        role,
        string(text, &format!("{field}.value"))?,
    ))
}

/// A list of ShareGPT messages.
pub(crate) fn sharegpt_messages(
    value: &Value,
    field: &str,
) -> Result<Vec<ChatMessage>, FieldError> {
    let items = value
        .as_array()
        .ok_or_else(|| FieldError::wrong_type(field, "a list of {from, value} messages", value))?;
    items
        .iter()
        .enumerate()
        .map(|(index, item)| sharegpt_message(item, &format!("{field}[{index}]")))
        .collect()
}
