//! Errors of Hugging Face model directories: each names the file and the field or tensor, and
//! what was expected.

use prefopt_core::PrefoptError;
use prefopt_tokenizer::TokenizerError;
use std::path::PathBuf;

/// Everything that can go wrong reading or writing a Hugging Face model directory.
#[derive(Debug, thiserror::Error)]
pub enum HfError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}", path = .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A JSON file (config.json, the shard index) that does not parse.
    #[error("{path}: invalid JSON: {message}", path = .path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A field that is missing or has the wrong type or value.
    #[error("{path}: `{field}`: {message}", path = .path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// The field.
        field: String,
        /// What was found and what was expected.
        message: String,
    },
    /// A model this implementation cannot run (another architecture, attention biases, a rope
    /// scaling it does not implement, quantized weights).
    #[error("{path}: `{field}` is {value}: {message}", path = .path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The field declaring it.
        field: String,
        /// The declared value, as JSON.
        value: String,
        /// What is supported.
        message: String,
    },
    /// A weight the architecture needs is absent.
    #[error("{path}: tensor `{tensor}` is missing: expected shape {expected:?}", path = .path.display())]
    MissingTensor {
        /// The weights file (or shard index).
        path: PathBuf,
        /// The tensor's Hugging Face name.
        tensor: String,
        /// The shape the architecture needs (PyTorch order).
        expected: Vec<usize>,
    },
    /// A weight whose shape differs from what the architecture needs.
    #[error("{path}: tensor `{tensor}` has shape {found:?}: expected {expected:?}", path = .path.display())]
    TensorShape {
        /// The weights file.
        path: PathBuf,
        /// The tensor's Hugging Face name.
        tensor: String,
        /// The shape the architecture needs (PyTorch order).
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },
    /// A weights file that is not a readable safetensors file (bad header, unsupported dtype,
    /// truncated data).
    #[error("{path}: {message}", path = .path.display())]
    Weights {
        /// The weights file.
        path: PathBuf,
        /// What is wrong, naming the tensor where one is at fault.
        message: String,
    },
    /// The tokenizer beside the weights cannot be read or written.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    /// An output directory that already holds files.
    #[error("{path} exists and is not empty: pass --overwrite to replace it, or choose another directory", path = .path.display())]
    OutputExists {
        /// The output directory.
        path: PathBuf,
    },
}

impl HfError {
    /// A missing or wrong-typed field of `path`.
    pub(crate) fn field(path: &std::path::Path, field: &str, message: impl Into<String>) -> Self {
        Self::Field {
            path: path.to_path_buf(),
            field: field.to_string(),
            message: message.into(),
        }
    }

    /// An I/O failure on `path`.
    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl From<HfError> for PrefoptError {
    fn from(error: HfError) -> Self {
        match error {
            HfError::Io { path, source } => PrefoptError::Io { path, source },
            HfError::Tokenizer(error) => error.into(),
            other => PrefoptError::Model(other.to_string()),
        }
    }
}
