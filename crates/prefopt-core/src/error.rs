//! Errors of prefopt's library crates.

use std::path::PathBuf;

/// A configuration that cannot be used: the field, and what was expected.
#[derive(Debug, thiserror::Error)]
#[error("`{field}`: {message}")]
pub struct ConfigError {
    /// The offending field, as written in the config (e.g. `algorithm.objective.beta`).
    pub field: String,
    /// What was wrong and what was expected.
    pub message: String,
}

impl ConfigError {
    /// A config error on `field` saying `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Everything that can go wrong in prefopt's library crates.
#[derive(Debug, thiserror::Error)]
pub enum PrefoptError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A config file could not be parsed: the file, and the parser's message (line, column, field).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said, with line and field.
        message: String,
    },
    /// A config value is invalid.
    #[error("{}invalid config: {source}", .path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Config {
        /// The file, when known.
        path: Option<PathBuf>,
        /// The field and message.
        source: ConfigError,
    },
    /// The parts of an experiment do not fit together (e.g. a tabular policy on a task whose
    /// outputs cannot be enumerated).
    #[error("incompatible: {0}")]
    Incompatible(String),
    /// A model, tokenizer or weights file that cannot be used: the file, the tensor or field,
    /// and what was expected.
    #[error("{0}")]
    Model(String),
    /// Input data that cannot be used: the file, line or field, and what was expected.
    #[error("{0}")]
    Data(String),
    /// A numerical failure (a NaN loss, a diverged run).
    #[error("numerical failure: {0}")]
    Numerical(String),
}

impl From<ConfigError> for PrefoptError {
    fn from(source: ConfigError) -> Self {
        PrefoptError::Config { path: None, source }
    }
}
