//! Module parameters saved to and loaded from burnpack files (`Module::save_file`'s format), with
//! burn's errors reported as [`PrefoptError`]s that name the file.

use prefopt_core::PrefoptError;
use prefopt_core::burn::module::Module;
use std::path::Path;

/// Writes `module`'s parameters to the burnpack file at `path`.
///
/// # Errors
/// [`PrefoptError::Io`] naming `path` when the file cannot be written.
pub fn save_module<M: Module>(module: &M, path: &Path) -> Result<(), PrefoptError> {
    module
        .clone()
        .save_file(path)
        .map_err(|error| burnpack_io_error(path, error))
}

/// `module` with its parameters replaced by those of the burnpack file at `path`.
///
/// # Errors
/// [`PrefoptError::Io`] naming `path` when the file cannot be read or does not fit `module`.
pub fn load_module<M: Module>(module: &M, path: &Path) -> Result<M, PrefoptError> {
    module
        .clone()
        .try_load_file(path)
        .map_err(|error| burnpack_io_error(path, error))
}

/// burn's error reading or writing the burnpack file at `path`, as [`PrefoptError::Io`].
fn burnpack_io_error(path: &Path, error: impl std::fmt::Display) -> PrefoptError {
    PrefoptError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(error.to_string()),
    }
}
