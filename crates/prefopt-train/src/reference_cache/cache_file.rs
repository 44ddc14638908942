//! The cache file: a header naming what the log-probs were computed from, then every row's
//! per-token log-probs, then a checksum.
//!
//! | bytes | content |
//! |---|---|
//! | 16 | `prefopt-reflogps` |
//! | 4 | format version, `u32` little-endian |
//! | 4 | header length `H`, `u32` little-endian |
//! | `H` | header, JSON: `fingerprint` (`data`, `settings`, `weights`), `settings`, `rows`, `tokens` |
//! | per row, by key | key (`u128`, [`row_key`](super::row_key)), token count `n` (`u32`), `n` log-probs (`f32`), little-endian |
//! | 16 | XXH3-128 of everything before, little-endian |

use super::fingerprint::Fingerprint;
use prefopt_core::PrefoptError;
use prefopt_core::fs::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use xxhash_rust::xxh3::xxh3_128;

/// The version of the file layout this build writes and reads.
pub const CACHE_FORMAT_VERSION: u32 = 1;

const MAGIC: &[u8; 16] = b"prefopt-reflogps";
const PREAMBLE: usize = 16 + 4 + 4;
const CHECKSUM: usize = 16;
const ROW_HEAD: usize = 16 + 4;

/// The contents of a cache file.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheFile {
    /// What the log-probs were computed from.
    pub fingerprint: Fingerprint,
    /// The tokenization settings text the fingerprint's `settings` digest is of.
    pub settings: String,
    /// Per-token reference log-probs of each row's completion, by [`row_key`](super::row_key).
    pub logps: HashMap<u128, Vec<f32>>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    fingerprint: Fingerprint,
    settings: String,
    rows: u64,
    tokens: u64,
}

fn damaged(path: &Path, message: impl std::fmt::Display) -> PrefoptError {
    PrefoptError::Data(format!(
        "{}: not a usable reference log-prob cache: {message}; delete it to compute the log-probs again",
        path.display()
    ))
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

impl CacheFile {
    /// The file's bytes (rows in key order, so equal contents give equal files).
    pub fn to_bytes(&self) -> Vec<u8> {
        let tokens: usize = self.logps.values().map(Vec::len).sum();
        let header = serde_json::to_vec(&Header {
            fingerprint: self.fingerprint.clone(),
            settings: self.settings.clone(),
            rows: self.logps.len() as u64,
            tokens: tokens as u64,
        })
        .expect("the header serializes");
        let mut bytes = Vec::with_capacity(
            PREAMBLE + header.len() + ROW_HEAD * self.logps.len() + 4 * tokens + CHECKSUM,
        );
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&CACHE_FORMAT_VERSION.to_le_bytes());
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&header);
        let mut keys: Vec<&u128> = self.logps.keys().collect();
        keys.sort_unstable();
        for key in keys {
            let values = &self.logps[key];
            bytes.extend_from_slice(&key.to_le_bytes());
            bytes.extend_from_slice(&(values.len() as u32).to_le_bytes());
            for value in values {
                bytes.extend_from_slice(&value.to_le_bytes());
            }
        }
        let checksum = xxh3_128(&bytes);
        bytes.extend_from_slice(&checksum.to_le_bytes());
        bytes
    }

    /// Writes the file to `path` atomically (temporary file, then rename), creating its
    /// directory.
    pub fn write(&self, path: &Path) -> Result<(), PrefoptError> {
        write_atomic(path, &self.to_bytes())
    }

    /// Reads the file at `path`.
    ///
    /// # Errors
    /// When it cannot be read, is not a cache file, is of another format version, is truncated
    /// (fewer bytes than its header says) or damaged (checksum or layout wrong).
    pub fn read(path: &Path) -> Result<Self, PrefoptError> {
        let bytes = std::fs::read(path).map_err(|source| PrefoptError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(&bytes, path)
    }

    /// Parses the bytes of the file at `path` (named in errors).
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, PrefoptError> {
        if bytes.len() < PREAMBLE {
            if MAGIC.starts_with(&bytes[..bytes.len().min(16)]) {
                return Err(damaged(path, format!("truncated to {} bytes", bytes.len())));
            }
            return Err(damaged(path, "it does not start with `prefopt-reflogps`"));
        }
        if &bytes[..16] != MAGIC {
            return Err(damaged(path, "it does not start with `prefopt-reflogps`"));
        }
        let version = u32_at(bytes, 16);
        if version != CACHE_FORMAT_VERSION {
            return Err(damaged(
                path,
                format!(
                    "format version {version}, and this build reads version {CACHE_FORMAT_VERSION}"
                ),
            ));
        }
        let header_len = u32_at(bytes, 20) as usize;
        let Some(header_bytes) = bytes.get(PREAMBLE..PREAMBLE + header_len) else {
            return Err(damaged(
                path,
                format!(
                    "truncated: {} bytes, shorter than its {header_len}-byte header",
                    bytes.len()
                ),
            ));
        };
        let header: Header = serde_json::from_slice(header_bytes)
            .map_err(|error| damaged(path, format!("its header is not valid: {error}")))?;
        let expected = PREAMBLE as u64
            + header_len as u64
            + ROW_HEAD as u64 * header.rows
            + 4 * header.tokens
            + CHECKSUM as u64;
        if bytes.len() as u64 != expected {
            let what = if (bytes.len() as u64) < expected {
                "truncated"
            } else {
                "longer than written"
            };
            return Err(damaged(
                path,
                format!(
                    "{what}: {} bytes, and its header ({} rows, {} tokens) says {expected}",
                    bytes.len(),
                    header.rows,
                    header.tokens
                ),
            ));
        }
        let body_end = bytes.len() - CHECKSUM;
        let checksum = u128::from_le_bytes(bytes[body_end..].try_into().expect("16 bytes"));
        if xxh3_128(&bytes[..body_end]) != checksum {
            return Err(damaged(path, "its checksum does not match its contents"));
        }
        let mut logps = HashMap::with_capacity(header.rows as usize);
        let mut at = PREAMBLE + header_len;
        for row in 0..header.rows {
            if at + ROW_HEAD > body_end {
                return Err(damaged(path, format!("row {row} runs past the end")));
            }
            let key = u128::from_le_bytes(bytes[at..at + 16].try_into().expect("16 bytes"));
            let count = u32_at(bytes, at + 16) as usize;
            at += ROW_HEAD;
            let end = at + 4 * count;
            if end > body_end {
                return Err(damaged(path, format!("row {row} runs past the end")));
            }
            let values = bytes[at..end]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            logps.insert(key, values);
            at = end;
        }
        if at != body_end {
            return Err(damaged(path, "its rows do not fill it"));
        }
        Ok(Self {
            fingerprint: header.fingerprint,
            settings: header.settings,
            logps,
        })
    }
}
