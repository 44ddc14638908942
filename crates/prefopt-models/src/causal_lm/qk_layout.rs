//! The two layouts of rotary query/key projections, and the permutation between them.
//!
//! Rotary embeddings rotate pairs of a head's features. This model (like burn's
//! `RotaryEncoding` and llama.cpp's GGUF files) pairs adjacent features `(2i, 2i + 1)`; Hugging
//! Face Llama checkpoints pair feature `i` with `i + head_dim / 2` ("rotate half"). The two are
//! the same model up to a permutation of the output rows of `W_q` (per query head) and `W_k`
//! (per key/value head): internal row `h * head_dim + 2i + s` is Hugging Face row
//! `h * head_dim + s * head_dim / 2 + i`, for `s` in `{0, 1}` (the inverse of llama.cpp's
//! `convert_hf_to_gguf.py` `permute`).

use prefopt_core::burn::tensor::{Int, Tensor, TensorData};

/// For each internal (adjacent-pair) row, the Hugging Face (rotate-half) row it comes from.
pub fn hf_rows_for_internal(num_heads: usize, head_dim: usize) -> Vec<usize> {
    let half = head_dim / 2;
    (0..num_heads * head_dim)
        .map(|row| {
            let (head, within) = (row / head_dim, row % head_dim);
            head * head_dim + (within % 2) * half + within / 2
        })
        .collect()
}

/// For each Hugging Face (rotate-half) row, the internal (adjacent-pair) row it comes from.
pub fn internal_rows_for_hf(num_heads: usize, head_dim: usize) -> Vec<usize> {
    let mut inverse = vec![0; num_heads * head_dim];
    for (internal, hf) in hf_rows_for_internal(num_heads, head_dim)
        .into_iter()
        .enumerate()
    {
        inverse[hf] = internal;
    }
    inverse
}

fn permute<const D: usize>(tensor: Tensor<D>, axis: usize, rows: Vec<usize>) -> Tensor<D> {
    assert_eq!(
        tensor.dims()[axis],
        rows.len(),
        "axis {axis} must have num_heads * head_dim = {} entries",
        rows.len()
    );
    let device = tensor.device();
    let indices: Vec<i64> = rows.into_iter().map(|row| row as i64).collect();
    let count = indices.len();
    tensor.select(
        axis,
        Tensor::<1, Int>::from_data(TensorData::new(indices, [count]), &device),
    )
}

/// A Hugging Face (rotate-half) query or key projection in this model's adjacent-pair layout.
/// `axis` is the projection's output axis: 0 for a PyTorch `[d_out, d_in]` weight or a bias, 1
/// for a burn `Linear` weight `[d_in, d_out]`; `num_heads` is the query head count for `W_q`
/// and the key/value head count for `W_k`.
///
/// # Shapes
/// `weight`: `num_heads * head_dim` entries along `axis`; the result has the same shape.
pub fn hf_to_internal_qk<const D: usize>(
    weight: Tensor<D>,
    num_heads: usize,
    head_dim: usize,
    axis: usize,
) -> Tensor<D> {
    permute(weight, axis, hf_rows_for_internal(num_heads, head_dim))
}

/// The inverse of [`hf_to_internal_qk`]: this model's query or key projection in the Hugging
/// Face (rotate-half) layout, for export.
///
/// # Shapes
/// `weight`: `num_heads * head_dim` entries along `axis`; the result has the same shape.
pub fn internal_to_hf_qk<const D: usize>(
    weight: Tensor<D>,
    num_heads: usize,
    head_dim: usize,
    axis: usize,
) -> Tensor<D> {
    permute(weight, axis, internal_rows_for_hf(num_heads, head_dim))
}
