//! Tensor infos: name, shape, ggml type and where the data lies.

use crate::GgmlType;

/// One tensor's description from the GGUF header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorInfo {
    /// The tensor's name (e.g. `blk.0.attn_q.weight`).
    pub name: String,
    /// The shape in PyTorch (row-major) order: the reverse of the order GGUF stores, so a
    /// `Linear` weight reads `[d_out, d_in]` and the last axis is the contiguous one.
    pub shape: Vec<usize>,
    /// The element type.
    pub ggml_type: GgmlType,
    /// The absolute byte offset of the data in the file.
    pub offset: u64,
    /// The size of the data in bytes, when the type's block layout is known.
    pub size_bytes: Option<u64>,
}

impl TensorInfo {
    /// The number of elements.
    pub fn num_elements(&self) -> usize {
        self.shape.iter().product()
    }

    /// The dimensions as GGUF stores them (innermost first).
    pub fn ggml_dims(&self) -> Vec<usize> {
        self.shape.iter().rev().copied().collect()
    }
}
