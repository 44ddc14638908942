//! Why a chart could not be written.

use std::io;
use std::path::{Path, PathBuf};

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The output directory could not be created.
    #[error("cannot create plot directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A file could not be written or moved into place.
    #[error("cannot write plot {path}: {source}")]
    Write {
        /// The file that was being written.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Rendering failed inside the drawing backend.
    #[error("cannot draw plot {path}: {message}")]
    Draw {
        /// The file that was being drawn.
        path: PathBuf,
        /// The backend's message.
        message: String,
    },
    /// The chart cannot be drawn as given.
    #[error("cannot draw plot {path}: chart {title:?}: {reason}")]
    InvalidChart {
        /// The file that was to be drawn.
        path: PathBuf,
        /// The chart's title.
        title: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The file stem is empty or contains a path separator.
    #[error("invalid plot file stem {stem:?} in {dir}: must be a non-empty file name")]
    InvalidStem {
        /// The output directory.
        dir: PathBuf,
        /// The stem given.
        stem: String,
    },
    /// The embedded font could not be registered.
    #[error("cannot load the embedded plot font (assets/fonts/DejaVuSans.ttf)")]
    Font,
}

/// A [`PlotError::Draw`] for `path`.
pub(super) fn draw_error(path: &Path, error: impl std::fmt::Display) -> PlotError {
    PlotError::Draw {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}
