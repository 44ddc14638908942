//! What makes a record usable beyond its JSON types: non-empty fields, roles in their places,
//! two different completions.

use super::error::FieldError;
use super::record::Content;
use prefopt_core::ChatMessage;

/// The roles a message may have: the chat roles TRL documents, and the two extra roles
/// LLaMA-Factory's ShareGPT tags map to (`function_call` → `function`, `observation`).
pub const KNOWN_ROLES: [&str; 6] = [
    "system",
    "user",
    "assistant",
    "tool",
    "function",
    "observation",
];

/// The roles a prompt may end with: the model answers a user or a tool's output (TRL's
/// `apply_chat_template` adds the generation prompt only after these).
pub const PROMPT_END_ROLES: [&str; 3] = ["user", "tool", "observation"];

/// The roles a completion may start with: the model's own turn, or its function call.
pub const COMPLETION_START_ROLES: [&str; 2] = ["assistant", "function"];

/// How the messages of a field are named in errors.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Naming {
    /// A list of `{role, content}` messages, the first being at `offset` in the file's list
    /// (an implicit prompt's completions start after the shared messages).
    List {
        /// The file's index of the first message checked.
        offset: usize,
    },
    /// A list of ShareGPT `{from, value}` messages.
    ShareGptList,
    /// One ShareGPT `{from, value}` message (LLaMA-Factory's `chosen` and `rejected`).
    ShareGptSingle,
}

impl Naming {
    fn role(self, field: &str, index: usize) -> String {
        match self {
            Naming::List { offset } => format!("{field}[{}].role", offset + index),
            Naming::ShareGptList => format!("{field}[{index}].from"),
            Naming::ShareGptSingle => format!("{field}.from"),
        }
    }

    fn content(self, field: &str, index: usize) -> String {
        match self {
            Naming::List { offset } => format!("{field}[{}].content", offset + index),
            Naming::ShareGptList => format!("{field}[{index}].value"),
            Naming::ShareGptSingle => format!("{field}.value"),
        }
    }
}

/// Whether `text` holds nothing but white space.
fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// Each message's role is known and its content non-empty (a system message may be empty).
fn check_messages(messages: &[ChatMessage], field: &str, naming: Naming) -> Result<(), FieldError> {
    for (index, message) in messages.iter().enumerate() {
        if !KNOWN_ROLES.contains(&message.role.as_str()) {
            return Err(FieldError::invalid(
                naming.role(field, index),
                format!(
                    "wrong role {:?}: expected one of {}",
                    message.role,
                    KNOWN_ROLES.join(", ")
                ),
            ));
        }
        if message.role != "system" && blank(&message.content) {
            return Err(FieldError::invalid(
                naming.content(field, index),
                "empty: expected the message's text",
            ));
        }
    }
    Ok(())
}

/// A prompt: non-empty text, or messages ending with a user (or tool) turn.
pub(crate) fn check_prompt(
    prompt: &Content,
    field: &str,
    naming: Naming,
) -> Result<(), FieldError> {
    match prompt {
        Content::Text(text) => {
            if blank(text) {
                return Err(FieldError::invalid(
                    field,
                    "empty: expected the prompt's text",
                ));
            }
        }
        Content::Messages(messages) => {
            check_messages(messages, field, naming)?;
            let Some(last) = messages.last() else {
                return Err(FieldError::invalid(
                    field,
                    "empty: expected at least one message",
                ));
            };
            if !PROMPT_END_ROLES.contains(&last.role.as_str()) {
                return Err(FieldError::invalid(
                    naming.role(field, messages.len() - 1),
                    format!(
                        "wrong role {:?}: a prompt must end with a message of role {} (the model answers it)",
                        last.role,
                        PROMPT_END_ROLES.join(" or ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A completion: non-empty text, or messages starting with the assistant's turn.
pub(crate) fn check_completion(
    completion: &Content,
    field: &str,
    naming: Naming,
) -> Result<(), FieldError> {
    match completion {
        Content::Text(text) => {
            if blank(text) {
                return Err(FieldError::invalid(
                    field,
                    "empty: expected the completion's text",
                ));
            }
        }
        Content::Messages(messages) => {
            check_messages(messages, field, naming)?;
            let Some(first) = messages.first() else {
                return Err(FieldError::invalid(
                    field,
                    "empty: expected at least one message",
                ));
            };
            if !COMPLETION_START_ROLES.contains(&first.role.as_str()) {
                return Err(FieldError::invalid(
                    naming.role(field, 0),
                    format!(
                        "wrong role {:?}: a completion must start with a message of role {}",
                        first.role,
                        COMPLETION_START_ROLES.join(" or ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Chosen and rejected differ.
pub(crate) fn check_different(chosen: &Content, rejected: &Content) -> Result<(), FieldError> {
    if chosen == rejected {
        return Err(FieldError::invalid(
            "rejected",
            "identical to `chosen`: a preference needs two different completions",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(list: &[(&str, &str)]) -> Content {
        Content::Messages(list.iter().map(|(r, c)| ChatMessage::new(*r, *c)).collect())
    }

    #[test]
    fn prompts() {
        let list = Naming::List { offset: 0 };
        assert!(check_prompt(&Content::Text("Hi".into()), "prompt", list).is_ok());
        let error = check_prompt(&Content::Text(" \n".into()), "prompt", list).unwrap_err();
        assert_eq!(error.field, "prompt");
        assert!(error.problem.contains("empty"));
        let ok = messages(&[
            ("system", ""),
            ("user", "Q"),
            ("assistant", "A"),
            ("user", "Q2"),
        ]);
        assert!(check_prompt(&ok, "prompt", list).is_ok());
        let error = check_prompt(
            &messages(&[("user", "Q"), ("assistant", "A")]),
            "prompt",
            list,
        )
        .unwrap_err();
        assert_eq!(error.field, "prompt[1].role");
        let error = check_prompt(&messages(&[("robot", "Q")]), "prompt", list).unwrap_err();
        assert_eq!(error.field, "prompt[0].role");
        assert!(error.problem.contains("wrong role \"robot\""));
        let error = check_prompt(&messages(&[("user", "")]), "prompt", list).unwrap_err();
        assert_eq!(error.field, "prompt[0].content");
        let error = check_prompt(&messages(&[]), "prompt", list).unwrap_err();
        assert_eq!(error.field, "prompt");
        let error = check_prompt(
            &messages(&[("system", "S"), ("assistant", "A")]),
            "conversations",
            Naming::ShareGptList,
        )
        .unwrap_err();
        assert_eq!(error.field, "conversations[1].from");
    }

    #[test]
    fn completions() {
        let error = check_completion(
            &messages(&[("user", "A")]),
            "chosen",
            Naming::List { offset: 2 },
        )
        .unwrap_err();
        assert_eq!(error.field, "chosen[2].role");
        let error = check_completion(
            &messages(&[("assistant", " ")]),
            "chosen",
            Naming::ShareGptSingle,
        )
        .unwrap_err();
        assert_eq!(error.field, "chosen.value");
        assert!(
            check_completion(
                &messages(&[("function", "f()")]),
                "c",
                Naming::ShareGptSingle
            )
            .is_ok()
        );
        assert!(check_different(&Content::Text("a".into()), &Content::Text("a".into())).is_err());
        assert!(check_different(&Content::Text("a".into()), &Content::Text("b".into())).is_ok());
    }
}
