//! Dequantization of tensor data to f32, block by block, in parallel.
//!
//! Block layouts follow ggml (`ggml-common.h`): Q4_0 `{f16 d; u8 qs[16]}` with
//! `w[j] = d * ((qs[j] & 15) - 8)`, `w[j + 16] = d * ((qs[j] >> 4) - 8)`; Q4_1 `{f16 d; f16 m;
//! u8 qs[16]}` with `w = d * q + m` in the same nibble order; Q8_0 `{f16 d; i8 qs[32]}` with
//! `w = d * q`.

use crate::GgmlType;
use half::{bf16, f16};
use rayon::prelude::*;

/// Blocks handed to one parallel task.
const BLOCKS_PER_TASK: usize = 4096;

/// Dequantizes `bytes` (exactly the tensor's data) of type `ggml_type` into `elements` f32
/// values; `None` for a type this reader cannot dequantize.
pub(crate) fn dequantize(ggml_type: GgmlType, bytes: &[u8], elements: usize) -> Option<Vec<f32>> {
    let mut out = vec![0f32; elements];
    match ggml_type {
        GgmlType::F32 => by_blocks(&mut out, bytes, 1, 4, |b, o| {
            o[0] = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }),
        GgmlType::F16 => by_blocks(&mut out, bytes, 1, 2, |b, o| {
            o[0] = f16::from_le_bytes([b[0], b[1]]).to_f32();
        }),
        GgmlType::BF16 => by_blocks(&mut out, bytes, 1, 2, |b, o| {
            o[0] = bf16::from_le_bytes([b[0], b[1]]).to_f32();
        }),
        GgmlType::Q8_0 => by_blocks(&mut out, bytes, 32, 34, |b, o| {
            let d = f16::from_le_bytes([b[0], b[1]]).to_f32();
            for (w, &q) in o.iter_mut().zip(&b[2..34]) {
                *w = d * f32::from(q as i8);
            }
        }),
        GgmlType::Q4_0 => by_blocks(&mut out, bytes, 32, 18, |b, o| {
            let d = f16::from_le_bytes([b[0], b[1]]).to_f32();
            let (low, high) = o.split_at_mut(16);
            for ((lo, hi), &q) in low.iter_mut().zip(high.iter_mut()).zip(&b[2..18]) {
                *lo = d * (f32::from(q & 0x0F) - 8.0);
                *hi = d * (f32::from(q >> 4) - 8.0);
            }
        }),
        GgmlType::Q4_1 => by_blocks(&mut out, bytes, 32, 20, |b, o| {
            let d = f16::from_le_bytes([b[0], b[1]]).to_f32();
            let m = f16::from_le_bytes([b[2], b[3]]).to_f32();
            let (low, high) = o.split_at_mut(16);
            for ((lo, hi), &q) in low.iter_mut().zip(high.iter_mut()).zip(&b[4..20]) {
                *lo = d * f32::from(q & 0x0F) + m;
                *hi = d * f32::from(q >> 4) + m;
            }
        }),
        _ => return None,
    }
    Some(out)
}

/// Runs `decode(block_bytes, block_out)` over every block, [`BLOCKS_PER_TASK`] blocks per task.
fn by_blocks(
    out: &mut [f32],
    bytes: &[u8],
    block_elements: usize,
    block_bytes: usize,
    decode: impl Fn(&[u8], &mut [f32]) + Sync,
) {
    debug_assert_eq!(out.len() / block_elements * block_bytes, bytes.len());
    out.par_chunks_mut(block_elements * BLOCKS_PER_TASK)
        .zip(bytes.par_chunks(block_bytes * BLOCKS_PER_TASK))
        .for_each(|(out, bytes)| {
            for (block_out, block) in out
                .chunks_exact_mut(block_elements)
                .zip(bytes.chunks_exact(block_bytes))
            {
                decode(block, block_out);
            }
        });
}
