//! The advisory lock a run holds on its run directory for as long as it runs.
//!
//! The lock is the operating system's advisory lock (`flock` on Unix, `LockFileEx` on Windows,
//! through `std::fs::File::try_lock`) on the file `run.lock`, not the file's existence: a run
//! that dies, however it dies, releases it, and the file stays with the last holder's record.

use prefopt_core::PrefoptError;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The lock file's name in a run directory.
pub const LOCK_FILE: &str = "run.lock";

/// Who holds (or last held) a run directory's lock: written into the lock file by the holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    /// Process id.
    pub pid: u32,
    /// Host name.
    pub host: String,
    /// When the lock was taken (RFC 3339, UTC).
    pub started: String,
    /// The command line of the holding process.
    pub command: String,
}

impl LockHolder {
    /// This process, now, running `command`.
    pub fn this_process(command: &str) -> Self {
        Self {
            pid: std::process::id(),
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            started: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
            command: command.to_string(),
        }
    }
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pid {} on {}, since {}, running `{}`",
            self.pid, self.host, self.started, self.command
        )
    }
}

/// A held lock on a run directory; dropping it releases the lock.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
    path: PathBuf,
}

impl RunLock {
    /// Creates `dir` if needed and takes its lock, recording this process as the holder. When
    /// another process holds it, fails with [`ErrorKind::ResourceBusy`] naming the holder.
    pub fn acquire(dir: &Path, command: &str) -> Result<Self, PrefoptError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| PrefoptError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = read_holder(&mut file).map_or_else(
                    || "another process (it has not yet written who it is)".to_string(),
                    |holder| holder.to_string(),
                );
                return Err(PrefoptError::Io {
                    path: dir.to_path_buf(),
                    source: std::io::Error::new(
                        ErrorKind::ResourceBusy,
                        format!(
                            "a run is writing this directory ({holder}); two runs cannot share \
                             a run directory: wait for it to finish, stop it, or choose another \
                             --out"
                        ),
                    ),
                });
            }
            Err(std::fs::TryLockError::Error(source))
                if source.kind() == ErrorKind::Unsupported =>
            {
                // Some file systems (certain network mounts) have no locks: run unguarded.
                tracing::warn!(
                    path = %path.display(),
                    "this file system cannot lock files: nothing stops a second run into this \
                     directory"
                );
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(PrefoptError::Io { path, source });
            }
        }
        let record = serde_json::to_string(&LockHolder::this_process(command))
            .expect("a lock holder serializes");
        (|| {
            file.set_len(0)?;
            file.rewind()?;
            file.write_all(record.as_bytes())?;
            file.sync_data()
        })()
        .map_err(io(&path))?;
        Ok(Self { _file: file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The holder recorded in a lock file, when it can be read.
fn read_holder(file: &mut File) -> Option<LockHolder> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("prefopt-lock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_second_holder_is_refused_naming_the_first_and_a_released_lock_is_free() {
        let dir = temp_dir("twice");
        let first = RunLock::acquire(&dir, "prefopt run first.toml").unwrap();
        let error = RunLock::acquire(&dir, "prefopt run second.toml").unwrap_err();
        let PrefoptError::Io { source, .. } = &error else {
            panic!("{error}");
        };
        assert_eq!(source.kind(), ErrorKind::ResourceBusy);
        let text = error.to_string();
        let pid = format!("pid {}", std::process::id());
        for phrase in [pid.as_str(), "prefopt run first.toml", "--out"] {
            assert!(text.contains(phrase), "{phrase}: {text}");
        }
        drop(first);
        let again = RunLock::acquire(&dir, "prefopt run third.toml").unwrap();
        assert!(again.path().is_file());
        drop(again);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
