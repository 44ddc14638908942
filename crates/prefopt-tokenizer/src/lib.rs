//! # prefopt-tokenizer
//!
//! Text to token ids and back for prefopt's language models: a [`Tokenizer`] loaded from a
//! Hugging Face `tokenizer.json` (with the `tokenizer_config.json` beside it) or built from the
//! tokenizer a GGUF file carries, its special tokens, and Hugging Face chat templates rendered
//! with minijinja. It implements prefopt-core's [`TextTokenizer`](prefopt_core::TextTokenizer),
//! and saves as the tokenizer.json / tokenizer_config.json pair transformers loads.
//!
//! ```no_run
//! # fn main() -> Result<(), prefopt_tokenizer::TokenizerError> {
//! use prefopt_core::ChatMessage;
//! let tokenizer = prefopt_tokenizer::Tokenizer::from_gguf_path("SmolLM2-135M-Instruct.Q4_1.gguf")?;
//! let prompt = tokenizer.apply_chat_template(&[ChatMessage::new("user", "Hi!")], true)?;
//! let ids = tokenizer.encode(&prompt, false)?;
//! assert_eq!(tokenizer.decode(&ids, false)?, prompt);
//! # Ok(()) }
//! ```

mod chat;
mod config;
mod error;
mod gguf;
mod gguf_vocab;
pub mod pre_tokenizer;
mod special;
mod text_tokenizer;
mod tokenizer;
mod train;

pub use chat::ChatTemplate;
pub use config::{CHAT_TEMPLATE_FILE, TOKENIZER_CONFIG_FILE, TokenizerConfig};
pub use error::TokenizerError;
pub use gguf_vocab::{BuiltVocab, GgufVocab, VocabError};
pub use special::SpecialTokens;
pub use tokenizer::{TOKENIZER_FILE, Tokenizer};
pub use train::{BpeTraining, END_OF_TEXT, MIN_VOCAB_SIZE, PADDING};
