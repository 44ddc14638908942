//! A parallel, tiled transpose of row-major matrices.

use rayon::prelude::*;

/// Input columns handled by one task (and one cache tile).
const TILE: usize = 32;

/// The transpose `[columns, rows]` of the row-major `[rows, columns]` matrix `values`.
pub(crate) fn transpose(values: &[f32], rows: usize, columns: usize) -> Vec<f32> {
    debug_assert_eq!(values.len(), rows * columns);
    let mut out = vec![0f32; values.len()];
    if values.is_empty() {
        return out;
    }
    out.par_chunks_mut(TILE * rows)
        .enumerate()
        .for_each(|(tile, out_rows)| {
            let first_column = tile * TILE;
            let width = out_rows.len() / rows;
            for row in 0..rows {
                let source = &values[row * columns + first_column..][..width];
                for (offset, &value) in source.iter().enumerate() {
                    out_rows[offset * rows + row] = value;
                }
            }
        });
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_element_moves_to_its_transposed_place() {
        for (rows, columns) in [(37, 70), (1, 5), (64, 32), (3, 1)] {
            let values: Vec<f32> = (0..rows * columns).map(|v| v as f32).collect();
            let out = super::transpose(&values, rows, columns);
            for row in 0..rows {
                for column in 0..columns {
                    assert_eq!(out[column * rows + row], values[row * columns + column]);
                }
            }
        }
    }
}
