//! The records the readers return.

use prefopt_core::ChatMessage;

/// A prompt or a completion: plain text (TRL's standard form) or messages (conversational form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// A list of chat messages.
    Messages(Vec<ChatMessage>),
}

impl Content {
    /// Whether this is conversational (messages) rather than plain text.
    pub fn is_conversational(&self) -> bool {
        matches!(self, Content::Messages(_))
    }
}

/// The prompt of a record.
pub type Prompt = Content;

/// A completion of a record.
pub type Completion = Content;

/// One paired preference: a prompt with a chosen and a rejected completion.
#[derive(Debug, Clone, PartialEq)]
pub struct PreferenceRecord {
    /// The prompt (for conversations: every message before the completions).
    pub prompt: Prompt,
    /// The preferred completion.
    pub chosen: Completion,
    /// The dispreferred completion.
    pub rejected: Completion,
    /// The record's optional `weight` (a finite number >= 0); `None` when the field is absent.
    pub weight: Option<f64>,
}

/// One unpaired preference (KTO): a prompt, a completion and whether the completion is desirable.
#[derive(Debug, Clone, PartialEq)]
pub struct UnpairedRecord {
    /// The prompt.
    pub prompt: Prompt,
    /// The completion.
    pub completion: Completion,
    /// `true` when the completion is desirable.
    pub label: bool,
    /// The record's optional `weight` (a finite number >= 0); `None` when the field is absent.
    pub weight: Option<f64>,
}
