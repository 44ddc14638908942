//! Tensor infos, alignment, and dequantization of every supported type.

use crate::support;

use prefopt_gguf::{GgmlType, GgufFile};
use support::{Builder, f16_bytes};

fn q4_1_block(d: f32, m: f32, quants: &[u8; 32]) -> Vec<u8> {
    let mut block = f16_bytes(d).to_vec();
    block.extend(f16_bytes(m));
    block.extend((0..16).map(|j| quants[j] | (quants[j + 16] << 4)));
    block
}

#[test]
fn shapes_are_reversed_and_float_types_decode() {
    let f32_data: Vec<u8> = (0..6)
        .flat_map(|i| (i as f32 * 0.5).to_le_bytes())
        .collect();
    let f16_data: Vec<u8> = [1.0f32, -2.5, 0.125]
        .iter()
        .flat_map(|&v| f16_bytes(v))
        .collect();
    let bf16_data: Vec<u8> = [3.0f32, -0.5]
        .iter()
        .flat_map(|&v| half::bf16::from_f32(v).to_le_bytes())
        .collect();
    let file = GgufFile::from_bytes(
        "floats.gguf",
        Builder::new()
            .tensor("w", &[3, 2], 0, f32_data)
            .tensor("h", &[3], 1, f16_data)
            .tensor("b", &[2, 1], 30, bf16_data)
            .build(),
    )
    .unwrap();
    assert_eq!(file.tensor_names().collect::<Vec<_>>(), ["w", "h", "b"]);
    let info = file.tensor_info("w").unwrap();
    assert_eq!(info.shape, [2, 3]);
    assert_eq!(info.ggml_dims(), [3, 2]);
    assert_eq!(info.ggml_type, GgmlType::F32);
    assert_eq!(info.offset % 32, 0);
    assert_eq!(
        file.tensor_f32("w").unwrap(),
        (vec![2, 3], vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5])
    );
    assert_eq!(
        file.tensor_f32("h").unwrap(),
        (vec![3], vec![1.0, -2.5, 0.125])
    );
    assert_eq!(file.tensor_f32("b").unwrap(), (vec![1, 2], vec![3.0, -0.5]));
    assert_eq!(
        file.matrix_f32_transposed("w").unwrap(),
        (vec![3, 2], vec![0.0, 1.5, 0.5, 2.0, 1.0, 2.5])
    );
    let error = file.matrix_f32_transposed("h").unwrap_err().to_string();
    assert!(
        error.contains("tensor `h`: shape [3]: expected a matrix"),
        "{error}"
    );
}

#[test]
fn q4_1_q4_0_and_q8_0_blocks_decode() {
    let quants: [u8; 32] = std::array::from_fn(|i| (i % 16) as u8);
    // Two Q4_1 blocks: w = d * q + m.
    let mut q4_1 = q4_1_block(0.5, -1.0, &quants);
    q4_1.extend(q4_1_block(2.0, 0.25, &quants));
    // One Q4_0 block: w = d * (q - 8).
    let mut q4_0 = f16_bytes(0.25).to_vec();
    q4_0.extend((0..16).map(|j| quants[j] | (quants[j + 16] << 4)));
    // One Q8_0 block: w = d * q.
    let signed: [i8; 32] = std::array::from_fn(|i| i as i8 * 4 - 64);
    let mut q8_0 = f16_bytes(0.5).to_vec();
    q8_0.extend(signed.iter().map(|&q| q as u8));
    let file = GgufFile::from_bytes(
        "quant.gguf",
        Builder::new()
            .tensor("q4_1", &[32, 2], 3, q4_1)
            .tensor("q4_0", &[32], 2, q4_0)
            .tensor("q8_0", &[32], 8, q8_0)
            .build(),
    )
    .unwrap();
    let (shape, values) = file.tensor_f32("q4_1").unwrap();
    assert_eq!(shape, [2, 32]);
    for i in 0..32 {
        let q = quants[i] as f32;
        assert_eq!(values[i], 0.5 * q - 1.0);
        assert_eq!(values[32 + i], 2.0 * q + 0.25);
    }
    let (_, values) = file.tensor_f32("q4_0").unwrap();
    for i in 0..32 {
        assert_eq!(values[i], 0.25 * (quants[i] as f32 - 8.0));
    }
    let (_, values) = file.tensor_f32("q8_0").unwrap();
    for i in 0..32 {
        assert_eq!(values[i], 0.5 * signed[i] as f32);
    }
    assert_eq!(file.tensor_bytes("q8_0").unwrap().len(), 34);
}

#[test]
fn general_alignment_places_the_data() {
    let data: Vec<u8> = (0..3).flat_map(|i| (i as f32).to_le_bytes()).collect();
    let file = GgufFile::from_bytes(
        "aligned.gguf",
        Builder::new()
            .alignment(64)
            .tensor("a", &[3], 0, data.clone())
            .tensor("b", &[3], 0, data)
            .build(),
    )
    .unwrap();
    assert_eq!(file.alignment(), 64);
    assert_eq!(file.data_offset() % 64, 0);
    assert_eq!(
        file.tensor_info("b").unwrap().offset,
        file.data_offset() + 64
    );
    assert_eq!(file.tensor_f32("b").unwrap().1, [0.0, 1.0, 2.0]);
}

#[test]
fn version_2_files_open_and_files_open_from_disk() {
    let mut builder = Builder::new().tensor("x", &[1], 0, 7.0f32.to_le_bytes().to_vec());
    builder.version = 2;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.gguf");
    std::fs::write(&path, builder.build()).unwrap();
    let file = GgufFile::open(&path).unwrap();
    assert_eq!(file.version(), 2);
    assert_eq!(file.path(), path);
    assert_eq!(file.tensor_f32("x").unwrap().1, [7.0]);
}
