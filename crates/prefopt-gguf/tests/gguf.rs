//! The GGUF reader on hand-built and real files: one test binary.

mod support;

mod errors;
mod metadata;
mod real_file;
mod tensors;
