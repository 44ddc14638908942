//! The record formats, detected from a record's keys, and how each becomes a record.

use super::error::FieldError;
use super::fields::{boolean, content, kind_name, messages, required, same_kind};
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

    /// `record` read in this format.
    pub(crate) fn parse(self, record: &Map<String, Value>) -> Result<PreferenceRecord, FieldError> {
        let expected = format!("{self}, as detected from the first record");
        let field = |name: &str| required(record, name, &expected);
        match self {
            Self::Standard => {
                let prompt = content(field("prompt")?, "prompt")?;
                let chosen = content(field("chosen")?, "chosen")?;
                let rejected = content(field("rejected")?, "rejected")?;
                same_kind(&[
                    ("prompt", &prompt),
                    ("chosen", &chosen),
                    ("rejected", &rejected),
                ])?;
                Ok(PreferenceRecord {
                    prompt,
                    chosen,
                    rejected,
                })
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
                match (chosen, rejected) {
                    (Content::Text(chosen), Content::Text(rejected)) => {
                        let (prompt, chosen, rejected) = split_implicit_text(&chosen, &rejected);
                        Ok(PreferenceRecord {
                            prompt: Content::Text(prompt),
                            chosen: Content::Text(chosen),
                            rejected: Content::Text(rejected),
                        })
                    }
                    (Content::Messages(chosen), Content::Messages(rejected)) => {
                        let (prompt, chosen, rejected) =
                            split_implicit_messages(&chosen, &rejected);
                        Ok(PreferenceRecord {
                            prompt: Content::Messages(prompt),
                            chosen: Content::Messages(chosen),
                            rejected: Content::Messages(rejected),
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
            Self::ShareGpt => Ok(PreferenceRecord {
                prompt: Content::Messages(sharegpt_messages(
                    field("conversations")?,
                    "conversations",
                )?),
                chosen: Content::Messages(vec![sharegpt_message(field("chosen")?, "chosen")?]),
                rejected: Content::Messages(vec![sharegpt_message(
                    field("rejected")?,
                    "rejected",
                )?]),
            }),
        }
    }
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

    /// `record` read in this format.
    pub(crate) fn parse(self, record: &Map<String, Value>) -> Result<UnpairedRecord, FieldError> {
        let expected = format!("{self}, as detected from the first record");
        let field = |name: &str| required(record, name, &expected);
        match self {
            Self::Standard => {
                let prompt = content(field("prompt")?, "prompt")?;
                let completion = content(field("completion")?, "completion")?;
                same_kind(&[("prompt", &prompt), ("completion", &completion)])?;
                let label = boolean(field("label")?, "label")?;
                Ok(UnpairedRecord {
                    prompt,
                    completion,
                    label,
                })
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
                Ok(UnpairedRecord {
                    prompt: Content::Messages(prompt),
                    completion: Content::Messages(vec![completion]),
                    label,
                })
            }
        }
    }
}
