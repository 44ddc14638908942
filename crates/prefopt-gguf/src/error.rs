//! Errors of the GGUF reader: each names the file, the key or tensor, and what was expected.

use std::path::PathBuf;

/// Everything that can go wrong reading a GGUF file.
#[derive(Debug, thiserror::Error)]
pub enum GgufError {
    /// The file could not be opened or mapped.
    #[error("{path}: {source}", path = .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file ends before a field it announces.
    #[error(
        "{path}: truncated GGUF file: {what} needs {needed} bytes at offset {offset}, but the file has {len} bytes",
        path = .path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// The field being read (e.g. "metadata key #3", "tensor `blk.0.attn_q.weight` info").
        what: String,
        /// Where the field starts.
        offset: u64,
        /// How many bytes it needs.
        needed: u64,
        /// The file's length.
        len: u64,
    },
    /// The file does not start with `GGUF`.
    #[error("{path}: not a GGUF file: expected the magic bytes \"GGUF\", found {found:?}", path = .path.display())]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The first four bytes.
        found: [u8; 4],
    },
    /// A GGUF version other than 2 or 3 (or a big-endian file).
    #[error("{path}: unsupported GGUF version {version}: expected 2 or 3 (little-endian)", path = .path.display())]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The version field as read (little-endian).
        version: u32,
    },
    /// A metadata entry that cannot be decoded (unknown value type, invalid UTF-8, ...).
    #[error("{path}: metadata `{key}`: {message}", path = .path.display())]
    InvalidMetadata {
        /// The file.
        path: PathBuf,
        /// The key (or `#N` when the key itself cannot be read).
        key: String,
        /// What was wrong and what was expected.
        message: String,
    },
    /// A tensor info or tensor data that cannot be used (bad rank, shape not a whole number of
    /// blocks, duplicate name, misaligned offset).
    #[error("{path}: tensor `{tensor}`: {message}", path = .path.display())]
    InvalidTensor {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        tensor: String,
        /// What was wrong and what was expected.
        message: String,
    },
    /// A tensor whose data lies (partly) outside the file.
    #[error(
        "{path}: tensor `{tensor}`: data at offset {offset} with {size} bytes lies outside the file ({len} bytes)",
        path = .path.display()
    )]
    OffsetOutOfRange {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        tensor: String,
        /// The absolute offset of its data.
        offset: u64,
        /// The size of its data in bytes.
        size: u64,
        /// The file's length.
        len: u64,
    },
    /// A tensor stored in a ggml type this reader cannot dequantize.
    #[error(
        "{path}: tensor `{tensor}` has ggml type {ggml_type}, which cannot be dequantized; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1",
        path = .path.display()
    )]
    UnsupportedTensorType {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        tensor: String,
        /// The ggml type's name (e.g. `Q6_K`), or its number when unknown.
        ggml_type: String,
    },
    /// A metadata key that is absent.
    #[error("{path}: metadata key `{key}` is missing", path = .path.display())]
    MissingKey {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
    },
    /// A metadata value of another type than the one asked for.
    #[error("{path}: metadata `{key}`: expected {expected}, found {found}", path = .path.display())]
    WrongType {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// What the caller asked for.
        expected: String,
        /// What the file holds.
        found: String,
    },
    /// A tensor name that the file does not hold.
    #[error("{path}: no tensor named `{tensor}`", path = .path.display())]
    TensorNotFound {
        /// The file.
        path: PathBuf,
        /// The tensor name.
        tensor: String,
    },
}
