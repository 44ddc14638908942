//! [`Tokenizer`] as prefopt-core's [`TextTokenizer`], the tokenizer a language-model policy
//! hands to tasks and trainers.

use crate::tokenizer::Tokenizer;
use prefopt_core::{ChatMessage, PrefoptError, TextTokenizer};

impl TextTokenizer for Tokenizer {
    fn encode(&self, text: &str, add_special_tokens: bool) -> Result<Vec<u32>, PrefoptError> {
        Ok(Tokenizer::encode(self, text, add_special_tokens)?)
    }

    fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String, PrefoptError> {
        Ok(Tokenizer::decode(self, ids, skip_special_tokens)?)
    }

    fn vocab_size(&self) -> usize {
        Tokenizer::vocab_size(self)
    }

    fn token_id(&self, token: &str) -> Option<u32> {
        Tokenizer::token_id(self, token)
    }

    fn eos_token_ids(&self) -> Vec<u32> {
        Tokenizer::eos_token_ids(self)
    }

    fn pad_token_id(&self) -> Option<u32> {
        Tokenizer::pad_token_id(self)
    }

    fn apply_chat_template(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<String, PrefoptError> {
        Ok(Tokenizer::apply_chat_template(
            self,
            messages,
            add_generation_prompt,
        )?)
    }
}
