//! The record formats, detected from a record's keys, and how each becomes a record.

use super::checks::{Naming, check_completion, check_different, check_prompt};
use super::error::FieldError;
use super::fields::{boolean, content, kind_name, messages, required, same_kind, weight};
use super::implicit::{split_implicit_messages, split_implicit_text};
use super::record::{Content, PreferenceRecord, UnpairedRecord};
use super::sharegpt::{sharegpt_message, sharegpt_messages};
use serde_json::{Map, Value};
use std::fmt;

/// The paired formats and their fields, for "unknown format" errors.
pub(crate) const PAIRED_FORMATS: &str = "the fields of TRL's standard format (prompt, chosen, rejected), TRL's implicit prompt format (chosen, rejected) or LLaMA-Factory's ShareGPT format (conversations, chosen, rejected)";

/// The unpaired formats and their fields, for "unknown format" errors.
pub(crate) const UNPAIRED_FORMATS: &str = "the fields of TRL's unpaired format (prompt, completion, label) or LLaMA-Factory's KTO format (messages, label)";

/// The format of a paired preference file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreferenceFormat {
    /// TRL's standard preference format: `prompt`, `chosen`, `rejected` (text or conversational).
    Standard,
    /// TRL's implicit prompt format: `chosen` and `rejected`, the prompt being their shared start.
    ImplicitPrompt,
    /// LLaMA-Factory's ShareGPT format: `conversations`, `chosen`, `rejected` as `{from, value}`.
    ShareGpt,
}

impl fmt::Display for PreferenceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PreferenceFormat::Standard => {
                "the fields of the standard format (prompt, chosen, rejected)"
            }
            PreferenceFormat::ImplicitPrompt => {
                "the fields of the implicit prompt format (chosen, rejected)"
            }
            PreferenceFormat::ShareGpt => {
                "the fields of the ShareGPT format (conversations, chosen, rejected)"
            }
        })
    }
}

impl PreferenceFormat {
    /// The field a record's prompt comes from in this format (for errors about the prompt).
    pub fn prompt_field(self) -> &'static str {
        match self {
            Self::Standard => "prompt",
            Self::ImplicitPrompt => "chosen",
            Self::ShareGpt => "conversations",
        }
    }

    /// The format whose fields `record` has, if any.
    pub fn detect(record: &Map<String, Value>) -> Option<Self> {
        let has = |key| record.contains_key(key);
        if has("conversations") && has("chosen") && has("rejected") {
            Some(Self::ShareGpt)
        } else if has("prompt") && has("chosen") && has("rejected") {
            Some(Self::Standard)
        } else if has("chosen") && has("rejected") {
            Some(Self::ImplicitPrompt)
        } else {
            None
        }
    }

    /// `record` read in this format, its fields checked: non-empty, roles in their places
    /// (a prompt ends with a user turn, a completion starts with the assistant's), chosen and
    /// rejected different, an optional `weight` finite and >= 0.
    pub(crate) fn parse(self, record: &Map<String, Value>) -> Result<PreferenceRecord, FieldError> {
        let expected = format!("{self}, as detected from the first record");
        let field = |name: &str| required(record, name, &expected);
        let list = Naming::List { offset: 0 };
        let parsed = match self {
            Self::Standard => {
                let prompt = content(field("prompt")?, "prompt")?;
                let chosen = content(field("chosen")?, "chosen")?;
                let rejected = content(field("rejected")?, "rejected")?;
                same_kind(&[
                    ("prompt", &prompt),
                    ("chosen", &chosen),
                    ("rejected", &rejected),
                ])?;
                check_prompt(&prompt, "prompt", list)?;
                check_completion(&chosen, "chosen", list)?;
                check_completion(&rejected, "rejected", list)?;
                check_different(&chosen, &rejected)?;
                PreferenceRecord {
                    prompt,
                    chosen,
                    rejected,
                    weight: None,
                }
            }
            Self::ImplicitPrompt => {
                for extra in ["prompt", "conversations"] {
                    if record.contains_key(extra) {
                        return Err(FieldError::invalid(
                            extra,
                            format!("unexpected: expected {expected}"),
                        ));
                    }
                }
                let chosen = content(field("chosen")?, "chosen")?;
                let rejected = content(field("rejected")?, "rejected")?;
                same_kind(&[("chosen", &chosen), ("rejected", &rejected)])?;
                check_different(&chosen, &rejected)?;
                parse_implicit(chosen, rejected)?
            }
            Self::ShareGpt => {
                let prompt =
                    Content::Messages(sharegpt_messages(field("conversations")?, "conversations")?);
                let chosen = Content::Messages(vec![sharegpt_message(field("chosen")?, "chosen")?]);
                let rejected =
                    Content::Messages(vec![sharegpt_message(field("rejected")?, "rejected")?]);
                check_prompt(&prompt, "conversations", Naming::ShareGptList)?;
                check_completion(&chosen, "chosen", Naming::ShareGptSingle)?;
                check_completion(&rejected, "rejected", Naming::ShareGptSingle)?;
                check_different(&chosen, &rejected)?;
                PreferenceRecord {
                    prompt,
                    chosen,
                    rejected,
                    weight: None,
                }
            }
        };
        Ok(PreferenceRecord {
            weight: weight(record)?,
            ..parsed
        })
    }
}

/// TRL's implicit prompt: the shared start of `chosen` and `rejected` (already known to differ)
/// is the prompt, what follows it the completions.
fn parse_implicit(chosen: Content, rejected: Content) -> Result<PreferenceRecord, FieldError> {
    const NO_PROMPT: &str =
        "the implicit prompt format takes the prompt from the start `chosen` and `rejected` share";
    match (chosen, rejected) {
        (Content::Text(chosen), Content::Text(rejected)) => {
            let (prompt, chosen, rejected) = split_implicit_text(&chosen, &rejected);
            if prompt.trim().is_empty() {
                return Err(FieldError::invalid(
                    "chosen",
                    format!("shares no start with `rejected`: {NO_PROMPT}"),
                ));
            }
            let (prompt, chosen, rejected) = (
                Content::Text(prompt),
                Content::Text(chosen),
                Content::Text(rejected),
            );
            check_completion(&chosen, "chosen", Naming::List { offset: 0 })
                .map_err(|e| implicit_empty(e, "chosen"))?;
            check_completion(&rejected, "rejected", Naming::List { offset: 0 })
                .map_err(|e| implicit_empty(e, "rejected"))?;
            Ok(PreferenceRecord {
                prompt,
                chosen,
                rejected,
                weight: None,
            })
        }
        (Content::Messages(chosen), Content::Messages(rejected)) => {
            let (prompt, chosen, rejected) = split_implicit_messages(&chosen, &rejected);
            if prompt.is_empty() {
                return Err(FieldError::invalid(
                    "chosen",
                    format!("shares no leading message with `rejected`: {NO_PROMPT}"),
                ));
            }
            let offset = prompt.len();
            let (prompt, chosen, rejected) = (
                Content::Messages(prompt),
                Content::Messages(chosen),
                Content::Messages(rejected),
            );
            check_prompt(&prompt, "chosen", Naming::List { offset: 0 })?;
            check_completion(&chosen, "chosen", Naming::List { offset })?;
            check_completion(&rejected, "rejected", Naming::List { offset })?;
            Ok(PreferenceRecord {
                prompt,
                chosen,
                rejected,
                weight: None,
            })
        }
        (chosen, rejected) => Err(FieldError::invalid(
            "rejected",
            format!(
                "expected {} like `chosen`, found {}",
                kind_name(&chosen),
                kind_name(&rejected)
            ),
        )),
    }
}

/// An empty text completion of the implicit format is all prompt: say so.
fn implicit_empty(error: FieldError, field: &str) -> FieldError {
    FieldError::invalid(
        field,
        format!(
            "{}: nothing follows the start `chosen` and `rejected` share",
            error.problem.trim_start_matches(": ")
        ),
    )
}

/// The format of an unpaired (KTO) preference file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnpairedFormat {
    /// TRL's unpaired preference format: `prompt`, `completion`, `label` (text or conversational).
    Standard,
    /// LLaMA-Factory's KTO format: `messages` ({role, content}, the last being the assistant's
    /// completion) and `label`.
    Messages,
}

impl fmt::Display for UnpairedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnpairedFormat::Standard => {
                "the fields of the unpaired format (prompt, completion, label)"
            }
            UnpairedFormat::Messages => "the fields of the KTO messages format (messages, label)",
        })
    }
}

impl UnpairedFormat {
    /// The field a record's prompt comes from in this format (for errors about the prompt).
    pub fn prompt_field(self) -> &'static str {
        match self {
            Self::Standard => "prompt",
            Self::Messages => "messages",
        }
    }

    /// The field a record's completion comes from in this format.
    pub fn completion_field(self) -> &'static str {
        match self {
            Self::Standard => "completion",
            Self::Messages => "messages",
        }
    }

    /// The format whose fields `record` has, if any.
    pub fn detect(record: &Map<String, Value>) -> Option<Self> {
        let has = |key| record.contains_key(key);
        if has("prompt") && has("completion") && has("label") {
            Some(Self::Standard)
        } else if has("messages") && has("label") {
            Some(Self::Messages)
        } else {
            None
        }
    }

    /// `record` read in this format, its fields checked: non-empty, roles in their places, an
    /// optional `weight` finite and >= 0.
    pub(crate) fn parse(self, record: &Map<String, Value>) -> Result<UnpairedRecord, FieldError> {
        let expected = format!("{self}, as detected from the first record");
        let field = |name: &str| required(record, name, &expected);
        let parsed = match self {
            Self::Standard => {
                let prompt = content(field("prompt")?, "prompt")?;
                let completion = content(field("completion")?, "completion")?;
                same_kind(&[("prompt", &prompt), ("completion", &completion)])?;
                let label = boolean(field("label")?, "label")?;
                check_prompt(&prompt, "prompt", Naming::List { offset: 0 })?;
                check_completion(&completion, "completion", Naming::List { offset: 0 })?;
                UnpairedRecord {
                    prompt,
                    completion,
                    label,
                    weight: None,
                }
            }
            Self::Messages => {
                let value = field("messages")?;
                let items = value.as_array().ok_or_else(|| {
                    FieldError::wrong_type("messages", "a list of {role, content} messages", value)
                })?;
                let mut prompt = messages(items, "messages")?;
                let label = boolean(field("label")?, "label")?;
                let completion = match prompt.pop() {
                    Some(last) if last.role == "assistant" && !prompt.is_empty() => last,
                    Some(last) => {
                        return Err(FieldError::invalid(
                            "messages",
                            format!(
                                "expected prompt messages then the assistant's completion, found {} message(s) ending with role {:?}",
                                prompt.len() + 1,
                                last.role
                            ),
                        ));
                    }
                    None => {
                        return Err(FieldError::invalid(
                            "messages",
                            "expected prompt messages then the assistant's completion, found an empty list",
                        ));
                    }
                };
                let offset = prompt.len();
                let (prompt, completion) = (
                    Content::Messages(prompt),
                    Content::Messages(vec![completion]),
                );
                check_prompt(&prompt, "messages", Naming::List { offset: 0 })?;
                check_completion(&completion, "messages", Naming::List { offset })?;
                UnpairedRecord {
                    prompt,
                    completion,
                    label,
                    weight: None,
                }
            }
        };
        Ok(UnpairedRecord {
            weight: weight(record)?,
            ..parsed
        })
    }
}
