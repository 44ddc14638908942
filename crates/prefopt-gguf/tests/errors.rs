//! Files that cannot be read are refused naming the file, the field or tensor, and what was
//! expected.

use crate::support;

use prefopt_gguf::{GgufError, GgufFile};
use support::{Builder, Value};

fn open(bytes: Vec<u8>) -> GgufError {
    GgufFile::from_bytes("bad.gguf", bytes).expect_err("the file must be refused")
}

#[test]
fn bad_magic_and_unsupported_versions() {
    let error = open(b"GGML\x03\0\0\0".to_vec());
    assert!(matches!(error, GgufError::BadMagic { .. }));
    assert!(
        error.to_string().starts_with("bad.gguf: not a GGUF file"),
        "{error}"
    );
    let mut v1 = Builder::new();
    v1.version = 1;
    let error = open(v1.build());
    assert!(
        error.to_string().contains("unsupported GGUF version 1"),
        "{error}"
    );
    let mut big_endian = Builder::new().build();
    big_endian[4..8].copy_from_slice(&3u32.to_be_bytes());
    assert!(matches!(
        open(big_endian),
        GgufError::UnsupportedVersion { .. }
    ));
}

#[test]
fn every_truncation_point_is_reported() {
    let bytes = Builder::new()
        .meta("general.architecture", Value::Str("llama".into()))
        .meta("ids", Value::Array(5, vec![Value::I32(1), Value::I32(2)]))
        .tensor("w", &[4], 0, vec![0; 16])
        .build();
    for cut in 0..bytes.len() {
        let error = open(bytes[..cut].to_vec());
        let message = error.to_string();
        assert!(message.starts_with("bad.gguf: "), "{message}");
        assert!(
            matches!(
                error,
                GgufError::Truncated { .. } | GgufError::OffsetOutOfRange { .. }
            ),
            "cut at {cut}: {message}"
        );
    }
    let error = open(bytes[..40].to_vec());
    assert!(error.to_string().contains("truncated GGUF file"), "{error}");
    assert!(GgufFile::from_bytes("ok.gguf", bytes).is_ok());
}

#[test]
fn out_of_range_data_names_the_tensor() {
    let mut bytes = Builder::new()
        .tensor("blk.0.w", &[4], 0, vec![0; 16])
        .build();
    bytes.truncate(bytes.len() - 4);
    let error = open(bytes);
    assert!(matches!(error, GgufError::OffsetOutOfRange { .. }));
    assert!(
        error
            .to_string()
            .contains("tensor `blk.0.w`: data at offset"),
        "{error}"
    );
}

#[test]
fn unsupported_types_are_named() {
    // One Q6_K block: 256 weights in 210 bytes.
    let file = GgufFile::from_bytes(
        "k.gguf",
        Builder::new()
            .tensor("q6", &[256], 14, vec![0; 210])
            .tensor("odd", &[1], 77, vec![])
            .build(),
    )
    .unwrap();
    let error = file.tensor_f32("q6").unwrap_err().to_string();
    assert!(error.contains("tensor `q6` has ggml type Q6_K"), "{error}");
    let error = file.tensor_f32("odd").unwrap_err().to_string();
    assert!(error.contains("type #77"), "{error}");
    let error = file.tensor_f32("absent").unwrap_err().to_string();
    assert!(error.contains("no tensor named `absent`"), "{error}");
}

#[test]
fn malformed_tensor_infos_are_refused() {
    let error = open(Builder::new().tensor("q", &[31], 3, vec![0; 20]).build());
    assert!(
        error
            .to_string()
            .contains("not a multiple of the Q4_1 block size 32"),
        "{error}"
    );
    let error = open(
        Builder::new()
            .tensor("r", &[1, 1, 1, 1, 1], 0, vec![0; 4])
            .build(),
    );
    assert!(error.to_string().contains("5 dimensions"), "{error}");
    let error = open(
        Builder::new()
            .tensor("t", &[1], 0, vec![0; 4])
            .tensor("t", &[1], 0, vec![0; 4])
            .build(),
    );
    assert!(
        error.to_string().contains("`t`: the name appears twice"),
        "{error}"
    );
    let error = open(
        Builder::new()
            .meta("general.alignment", Value::U32(3))
            .build(),
    );
    assert!(error.to_string().contains("general.alignment"), "{error}");
    let error = open(
        Builder::new()
            .tensor("big", &[u64::MAX, 4], 0, vec![])
            .build(),
    );
    assert!(error.to_string().contains("overflow"), "{error}");
}
