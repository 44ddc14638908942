//! Text to token ids and back: the tokenizer a language-model policy brings with it.

use crate::PrefoptError;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;

/// One message of a conversation, as chat templates take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant` (templates may accept others).
    pub role: String,
    /// The message text.
    pub content: String,
}

impl ChatMessage {
    /// A message from `role` saying `content`.
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            role: role.into(),
            content: content.into(),
        }
    }
}

/// A tokenizer with its special tokens and chat template. Tasks that read text (preference
/// files) tokenize with the policy's tokenizer ([`Policy::tokenizer`](crate::Policy::tokenizer)).
pub trait TextTokenizer: Debug + Send + Sync {
    /// Token ids of `text`, with the tokenizer's special tokens (BOS) when `add_special_tokens`.
    fn encode(&self, text: &str, add_special_tokens: bool) -> Result<Vec<u32>, PrefoptError>;

    /// The text of `ids`, without special tokens when `skip_special_tokens`.
    fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String, PrefoptError>;

    /// The number of token ids, special tokens included.
    fn vocab_size(&self) -> usize;

    /// The id of a token given as its string (e.g. `<|im_end|>`).
    fn token_id(&self, token: &str) -> Option<u32>;

    /// The tokens that end a completion.
    fn eos_token_ids(&self) -> Vec<u32>;

    /// The padding token, where the tokenizer names one.
    fn pad_token_id(&self) -> Option<u32>;

    /// A conversation rendered by the model's chat template, ending with the assistant's turn
    /// header when `add_generation_prompt`.
    fn apply_chat_template(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<String, PrefoptError>;
}
