//! What can go wrong loading, using or saving a tokenizer.

use std::path::PathBuf;

/// Errors of `prefopt-tokenizer`. Each names the file (or GGUF key) and what was expected.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A tokenizer file (tokenizer.json, tokenizer_config.json) could not be parsed or used.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What was wrong, with the field or line where known.
        message: String,
    },
    /// A GGUF file's tokenizer metadata is missing or unusable.
    #[error("{path}: GGUF key `{key}`: {message}")]
    Gguf {
        /// The GGUF file.
        path: PathBuf,
        /// The metadata key (e.g. `tokenizer.ggml.merges`).
        key: String,
        /// What was expected.
        message: String,
    },
    /// A chat template that does not compile or fails while rendering.
    #[error("chat template from {origin}: {message}")]
    ChatTemplate {
        /// Where the template came from (a file, or a GGUF key).
        origin: String,
        /// The template engine's message, with the template line where known.
        message: String,
    },
    /// The GGUF file itself cannot be read, or a key holds another type than expected.
    #[error(transparent)]
    GgufRead(#[from] prefopt_gguf::GgufError),
    /// The tokenizer has no chat template.
    #[error("{origin} has no chat template")]
    NoChatTemplate {
        /// Where the tokenizer came from.
        origin: String,
    },
    /// Encoding or decoding failed (e.g. a token id outside the vocabulary).
    #[error("{origin}: {message}")]
    Codec {
        /// Where the tokenizer came from.
        origin: String,
        /// What failed.
        message: String,
    },
}

impl From<TokenizerError> for prefopt_core::PrefoptError {
    fn from(error: TokenizerError) -> Self {
        use prefopt_core::PrefoptError;
        match error {
            TokenizerError::Io { path, source } => PrefoptError::Io { path, source },
            codec @ TokenizerError::Codec { .. } => PrefoptError::Data(codec.to_string()),
            other => PrefoptError::Model(other.to_string()),
        }
    }
}
