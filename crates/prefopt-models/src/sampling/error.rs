//! What can go wrong choosing the next token.

use prefopt_core::{ConfigError, PrefoptError};

/// Errors of [`sample_next`](super::sample_next): options sampling cannot use, or logits that
/// define no distribution.
#[derive(Debug, thiserror::Error)]
pub enum SamplingError {
    /// A sampling option out of range (the field and what is expected).
    #[error("sampling options: {0}")]
    InvalidOptions(#[from] ConfigError),
    /// A logit is NaN.
    #[error("next-token logits of row {row}: token {token} is NaN")]
    NanLogit {
        /// The batch row.
        row: usize,
        /// The token id.
        token: usize,
    },
    /// Every logit of a row is -inf: no token can be drawn.
    #[error("next-token logits of row {row}: every one of the {vocab} logits is -inf")]
    NoFiniteLogit {
        /// The batch row.
        row: usize,
        /// The row's length.
        vocab: usize,
    },
    /// The logits tensor could not be read back from the device.
    #[error("reading next-token logits of shape {shape:?}: {message}")]
    Read {
        /// The tensor's shape.
        shape: [usize; 2],
        /// The backend's message.
        message: String,
    },
}

impl From<SamplingError> for PrefoptError {
    fn from(error: SamplingError) -> Self {
        match error {
            SamplingError::InvalidOptions(source) => PrefoptError::Config { path: None, source },
            other => PrefoptError::Numerical(other.to_string()),
        }
    }
}
