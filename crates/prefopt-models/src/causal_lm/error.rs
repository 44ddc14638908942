//! Errors of the causal language model: files, tensors and config fields that cannot be used.

use prefopt_core::PrefoptError;
use prefopt_gguf::GgufError;
use std::path::PathBuf;

/// Everything that can go wrong building or loading a causal language model.
#[derive(Debug, thiserror::Error)]
pub enum CausalLmError {
    /// The GGUF file cannot be read.
    #[error(transparent)]
    Gguf(#[from] GgufError),
    /// The model file declares an architecture this model does not implement.
    #[error("{path}: `general.architecture` is {found:?}: expected \"llama\" (a Llama-family model)", path = .path.display())]
    Architecture {
        /// The model file.
        path: PathBuf,
        /// The declared architecture.
        found: String,
    },
    /// An architecture value that cannot be used.
    #[error("{origin}: `{field}`: {message}")]
    Config {
        /// Where the value comes from: the model file, or `config`.
        origin: String,
        /// The field (a GGUF key or a config field name).
        field: String,
        /// What was wrong and what was expected.
        message: String,
    },
    /// A weight tensor whose shape differs from what the architecture needs.
    #[error("{path}: tensor `{tensor}` has shape {found:?}: expected {expected:?}", path = .path.display())]
    TensorShape {
        /// The model file.
        path: PathBuf,
        /// The tensor.
        tensor: String,
        /// The shape the architecture needs (PyTorch order).
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },
    /// A Hugging Face model directory that cannot be read.
    #[error(transparent)]
    Hf(#[from] super::hf::HfError),
    /// A path that is not a model this build can load.
    #[error("{path}: {message}", path = .path.display())]
    Unsupported {
        /// The path.
        path: PathBuf,
        /// What was found and what is supported.
        message: String,
    },
}

impl From<CausalLmError> for PrefoptError {
    fn from(error: CausalLmError) -> Self {
        PrefoptError::Model(error.to_string())
    }
}
