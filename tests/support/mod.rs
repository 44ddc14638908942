//! Shared by the workspace's integration tests.

use std::path::PathBuf;

/// An empty run directory path for the test `name` under the system's temporary directory,
/// `<tmp>/<prefix>-<pid>-<name>`: whatever an earlier run of the test left there is removed.
pub fn fresh_out_dir(prefix: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
