//! [`Tokenizer`]: a Hugging Face tokenizer with its special tokens and chat template.

use crate::chat::ChatTemplate;
use crate::config::{TOKENIZER_CONFIG_FILE, TokenizerConfig};
use crate::error::TokenizerError;
use crate::gguf_vocab::{BuiltVocab, GgufVocab, KEY_CHAT_TEMPLATE};
use crate::special::SpecialTokens;
use prefopt_core::ChatMessage;
use std::fmt;
use std::path::Path;
use tokenizers::Tokenizer as HfTokenizer;

/// The file name of a Hugging Face tokenizer.
pub const TOKENIZER_FILE: &str = "tokenizer.json";

/// A text tokenizer: byte-level BPE (or any model a tokenizer.json describes), its special tokens,
/// whether BOS is prepended, and the chat template.
pub struct Tokenizer {
    inner: HfTokenizer,
    special: SpecialTokens,
    add_bos: bool,
    chat_template: Option<ChatTemplate>,
    origin: String,
}

impl fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokenizer")
            .field("origin", &self.origin)
            .field("vocab_size", &self.vocab_size())
            .field("special", &self.special)
            .field("add_bos", &self.add_bos)
            .field("chat_template", &self.chat_template.is_some())
            .finish()
    }
}

impl Tokenizer {
    /// Loads a Hugging Face `tokenizer.json`, and the `tokenizer_config.json` beside it when
    /// present (special tokens, `add_bos_token`, chat template).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, TokenizerError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| TokenizerError::Io {
            path: path.to_owned(),
            source,
        })?;
        let inner = HfTokenizer::from_bytes(&bytes).map_err(|e| TokenizerError::File {
            path: path.to_owned(),
            message: format!("not a usable tokenizer.json: {e}"),
        })?;
        let config_path = path.with_file_name(TOKENIZER_CONFIG_FILE);
        let config = if config_path.is_file() {
            TokenizerConfig::read(&config_path)?
        } else {
            TokenizerConfig::default()
        };
        let origin = config_path.display().to_string();
        let chat_template = config
            .chat_template
            .map(|source| ChatTemplate::new(source, origin.clone()))
            .transpose()?;
        let tokenizer = Self {
            inner,
            special: config.special,
            add_bos: config.add_bos_token.unwrap_or(false),
            chat_template,
            origin: path.display().to_string(),
        };
        tokenizer.check_special_tokens(&config_path)?;
        Ok(tokenizer)
    }

    /// Builds the tokenizer described by a GGUF file's tokenizer keys; `path` is named in errors.
    pub fn from_gguf_vocab(vocab: &GgufVocab, path: &Path) -> Result<Self, TokenizerError> {
        let BuiltVocab {
            tokenizer,
            special,
            add_bos,
        } = vocab.build().map_err(|e| TokenizerError::Gguf {
            path: path.to_owned(),
            key: e.key.to_owned(),
            message: e.message,
        })?;
        let origin = format!("{} (`{KEY_CHAT_TEMPLATE}`)", path.display());
        let chat_template = vocab
            .chat_template
            .as_ref()
            .map(|source| ChatTemplate::new(source.clone(), origin))
            .transpose()?;
        Ok(Self {
            inner: tokenizer,
            special,
            add_bos,
            chat_template,
            origin: path.display().to_string(),
        })
    }

    /// A tokenizer from its parts: the Hugging Face tokenizer, its special tokens, whether
    /// `encode` prepends BOS, and where it came from (named in errors). No chat template.
    pub(crate) fn from_parts(
        inner: HfTokenizer,
        special: SpecialTokens,
        add_bos: bool,
        origin: String,
    ) -> Self {
        Self {
            inner,
            special,
            add_bos,
            chat_template: None,
            origin,
        }
    }

    /// Every special token named must be in the vocabulary.
    fn check_special_tokens(&self, config_path: &Path) -> Result<(), TokenizerError> {
        let named = [
            ("bos_token", &self.special.bos),
            ("eos_token", &self.special.eos),
            ("pad_token", &self.special.pad),
            ("unk_token", &self.special.unk),
        ];
        for (field, token) in named {
            if let Some(token) = token
                && self.inner.token_to_id(token).is_none()
            {
                return Err(TokenizerError::File {
                    path: config_path.to_owned(),
                    message: format!(
                        "`{field}` {token:?} is not in the vocabulary of {}",
                        self.origin
                    ),
                });
            }
        }
        Ok(())
    }

    fn codec_error(&self, message: String) -> TokenizerError {
        TokenizerError::Codec {
            origin: self.origin.clone(),
            message,
        }
    }

    /// Token ids of `text`. Special tokens written in the text (`<|im_end|>`) are single ids;
    /// `add_special_tokens` adds what the tokenizer adds around a text (BOS when `add_bos`).
    pub fn encode(&self, text: &str, add_special_tokens: bool) -> Result<Vec<u32>, TokenizerError> {
        let encoding = self
            .inner
            .encode_fast(text, add_special_tokens)
            .map_err(|e| self.codec_error(format!("cannot encode the text: {e}")))?;
        let mut ids = encoding.get_ids().to_vec();
        if add_special_tokens
            && self.add_bos
            && let Some(bos) = self.bos_token_id()
            && ids.first() != Some(&bos)
        {
            ids.insert(0, bos);
        }
        Ok(ids)
    }

    /// The text of `ids`, leaving out special tokens when `skip_special_tokens`. Ids outside the
    /// vocabulary are an error.
    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String, TokenizerError> {
        if let Some(&bad) = ids.iter().find(|&&id| self.inner.id_to_token(id).is_none()) {
            return Err(self.codec_error(format!(
                "token id {bad} is not in the vocabulary of {} tokens",
                self.vocab_size()
            )));
        }
        self.inner
            .decode(ids, skip_special_tokens)
            .map_err(|e| self.codec_error(format!("cannot decode {} ids: {e}", ids.len())))
    }

    /// The number of token ids, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The id of a token given as its string (`<|im_end|>`, or a byte-level piece such as `Ġthe`).
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// The string of a token id.
    pub fn token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    fn id_of(&self, token: &Option<String>) -> Option<u32> {
        token.as_deref().and_then(|t| self.token_id(t))
    }

    /// The beginning-of-sequence token id.
    pub fn bos_token_id(&self) -> Option<u32> {
        self.id_of(&self.special.bos)
    }

    /// The end-of-sequence token id.
    pub fn eos_token_id(&self) -> Option<u32> {
        self.id_of(&self.special.eos)
    }

    /// Every token that ends a completion: EOS, then any end-of-turn token, without repeats.
    pub fn eos_token_ids(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = Vec::new();
        let tokens = self.special.eos.iter().chain(&self.special.extra_eos);
        for id in tokens.filter_map(|t| self.token_id(t)) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// The padding token id.
    pub fn pad_token_id(&self) -> Option<u32> {
        self.id_of(&self.special.pad)
    }

    /// The special tokens by role.
    pub fn special_tokens(&self) -> &SpecialTokens {
        &self.special
    }

    /// Whether `encode(.., true)` prepends BOS.
    pub fn add_bos(&self) -> bool {
        self.add_bos
    }

    /// The chat template's text, when the tokenizer has one.
    pub fn chat_template(&self) -> Option<&str> {
        self.chat_template.as_ref().map(ChatTemplate::source)
    }

    /// Replaces the chat template (e.g. for a model whose files carry none).
    pub fn set_chat_template(
        &mut self,
        source: impl Into<String>,
        origin: impl Into<String>,
    ) -> Result<(), TokenizerError> {
        self.chat_template = Some(ChatTemplate::new(source, origin)?);
        Ok(())
    }

    /// `messages` rendered by the chat template, ending with the assistant's turn header when
    /// `add_generation_prompt`.
    pub fn apply_chat_template(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
    ) -> Result<String, TokenizerError> {
        let template =
            self.chat_template
                .as_ref()
                .ok_or_else(|| TokenizerError::NoChatTemplate {
                    origin: self.origin.clone(),
                })?;
        template.render(messages, add_generation_prompt, &self.special)
    }

    /// The underlying Hugging Face tokenizer.
    pub fn inner(&self) -> &HfTokenizer {
        &self.inner
    }

    /// Writes `dir/tokenizer.json` (the tokenizers crate's own serialization) and
    /// `dir/tokenizer_config.json` (special tokens, `add_bos_token`, chat template), the pair
    /// transformers' `AutoTokenizer.from_pretrained(dir)` loads. Creates `dir` when needed.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<(), TokenizerError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|source| TokenizerError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let tokenizer_path = dir.join(TOKENIZER_FILE);
        let json = self
            .inner
            .to_string(true)
            .map_err(|e| TokenizerError::File {
                path: tokenizer_path.clone(),
                message: format!("cannot serialize the tokenizer: {e}"),
            })?;
        write_file(&tokenizer_path, json.as_bytes())?;
        let config = TokenizerConfig {
            special: self.special.clone(),
            add_bos_token: Some(self.add_bos),
            chat_template: self.chat_template().map(str::to_owned),
        };
        let config_path = dir.join(TOKENIZER_CONFIG_FILE);
        let mut text =
            serde_json::to_string_pretty(&config.to_json()).map_err(|e| TokenizerError::File {
                path: config_path.clone(),
                message: format!("cannot serialize: {e}"),
            })?;
        text.push('\n');
        write_file(&config_path, text.as_bytes())
    }
}

/// Writes through prefopt's atomic writer (temporary file, then rename).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), TokenizerError> {
    prefopt_core::fs::write_atomic(path, bytes).map_err(|error| match error {
        prefopt_core::PrefoptError::Io { path, source } => TokenizerError::Io { path, source },
        other => TokenizerError::File {
            path: path.to_owned(),
            message: other.to_string(),
        },
    })
}
