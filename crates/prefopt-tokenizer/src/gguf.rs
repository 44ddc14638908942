//! Reading a GGUF file's tokenizer keys with prefopt-gguf.

use crate::error::TokenizerError;
use crate::gguf_vocab::{
    GgufVocab, KEY_ADD_BOS, KEY_BOS_ID, KEY_CHAT_TEMPLATE, KEY_EOS_ID, KEY_EOT_ID, KEY_MERGES,
    KEY_MODEL, KEY_PADDING_ID, KEY_PRE, KEY_TOKEN_TYPE, KEY_TOKENS, KEY_UNKNOWN_ID,
};
use crate::tokenizer::Tokenizer;
use prefopt_gguf::{GgufError, GgufFile};
use std::path::Path;

fn missing(file: &GgufFile, key: &str, what: &str) -> TokenizerError {
    TokenizerError::Gguf {
        path: file.path().to_owned(),
        key: key.to_owned(),
        message: format!("missing: {what}"),
    }
}

/// `Some(value)` when the key is present, `None` when absent, an error when of another type.
fn optional<T>(
    file: &GgufFile,
    key: &str,
    get: impl FnOnce(&GgufFile, &str) -> Result<T, GgufError>,
) -> Result<Option<T>, TokenizerError> {
    if file.contains(key) {
        Ok(Some(get(file, key)?))
    } else {
        Ok(None)
    }
}

impl GgufVocab {
    /// Reads the tokenizer keys of `file` (llama.cpp's names, `tokenizer.ggml.*` and
    /// `tokenizer.chat_template`). Missing required keys are errors naming the key.
    pub fn read(file: &GgufFile) -> Result<Self, TokenizerError> {
        if !file.contains(KEY_MODEL) {
            return Err(missing(
                file,
                KEY_MODEL,
                "the file carries no tokenizer (no `tokenizer.ggml.*` keys); load a tokenizer.json instead",
            ));
        }
        let model = file.get_str(KEY_MODEL)?.to_owned();
        if !file.contains(KEY_TOKENS) {
            return Err(missing(
                file,
                KEY_TOKENS,
                "the token list of the vocabulary",
            ));
        }
        let tokens = file.get_str_array(KEY_TOKENS)?.to_vec();
        let merges = if model == "gpt2" {
            if !file.contains(KEY_MERGES) {
                return Err(missing(
                    file,
                    KEY_MERGES,
                    "the BPE merges a `gpt2` tokenizer needs",
                ));
            }
            file.get_str_array(KEY_MERGES)?.to_vec()
        } else {
            Vec::new()
        };
        Ok(Self {
            model,
            pre: optional(file, KEY_PRE, |f, k| f.get_str(k).map(str::to_owned))?,
            tokens,
            token_types: optional(file, KEY_TOKEN_TYPE, GgufFile::get_i32_array)?,
            merges,
            bos_id: optional(file, KEY_BOS_ID, GgufFile::get_u32)?,
            eos_id: optional(file, KEY_EOS_ID, GgufFile::get_u32)?,
            eot_id: optional(file, KEY_EOT_ID, GgufFile::get_u32)?,
            unknown_id: optional(file, KEY_UNKNOWN_ID, GgufFile::get_u32)?,
            padding_id: optional(file, KEY_PADDING_ID, GgufFile::get_u32)?,
            add_bos: optional(file, KEY_ADD_BOS, GgufFile::get_bool)?,
            chat_template: optional(file, KEY_CHAT_TEMPLATE, |f, k| {
                f.get_str(k).map(str::to_owned)
            })?,
        })
    }
}

impl Tokenizer {
    /// The tokenizer a GGUF file carries: byte-level BPE from `tokenizer.ggml.tokens`,
    /// `tokenizer.ggml.merges` and `tokenizer.ggml.token_type` (control tokens become special
    /// tokens), split as llama.cpp splits for `tokenizer.ggml.pre`, with the file's special token
    /// ids, `tokenizer.ggml.add_bos_token` and `tokenizer.chat_template`.
    pub fn from_gguf(file: &GgufFile) -> Result<Self, TokenizerError> {
        let vocab = GgufVocab::read(file)?;
        Tokenizer::from_gguf_vocab(&vocab, file.path())
    }

    /// Opens the GGUF file at `path` and reads its tokenizer ([`Tokenizer::from_gguf`]).
    pub fn from_gguf_path(path: impl AsRef<Path>) -> Result<Self, TokenizerError> {
        Tokenizer::from_gguf(&GgufFile::open(path)?)
    }
}
