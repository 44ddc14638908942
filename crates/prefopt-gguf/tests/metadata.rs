//! Metadata: every value type, nested arrays, typed getters and their errors.

use crate::support;

use prefopt_gguf::{GgufError, GgufFile, MetadataArray, MetadataValue};
use support::{Builder, Value};

fn every_type() -> GgufFile {
    let bytes = Builder::new()
        .meta("u8", Value::U8(200))
        .meta("i8", Value::I8(-5))
        .meta("u16", Value::U16(60000))
        .meta("i16", Value::I16(-30000))
        .meta("u32", Value::U32(4_000_000_000))
        .meta("i32", Value::I32(-7))
        .meta("f32", Value::F32(1.5))
        .meta("bool", Value::Bool(true))
        .meta("string", Value::Str("llama".into()))
        .meta("u64", Value::U64(1 << 40))
        .meta("i64", Value::I64(-(1 << 40)))
        .meta("f64", Value::F64(0.25))
        .meta(
            "strings",
            Value::Array(8, vec![Value::Str("a".into()), Value::Str("é b".into())]),
        )
        .meta("ints", Value::Array(5, vec![Value::I32(1), Value::I32(-2)]))
        .meta("u8s", Value::Array(0, vec![Value::U8(3), Value::U8(4)]))
        .meta(
            "floats",
            Value::Array(6, vec![Value::F32(0.5), Value::F32(-1.0)]),
        )
        .meta(
            "nested",
            Value::Array(
                9,
                vec![
                    Value::Array(4, vec![Value::U32(1), Value::U32(2)]),
                    Value::Array(4, vec![]),
                ],
            ),
        )
        .build();
    GgufFile::from_bytes("every_type.gguf", bytes).expect("valid file")
}

#[test]
fn every_scalar_type_round_trips() {
    let file = every_type();
    assert_eq!(file.version(), 3);
    assert_eq!(file.get("u8"), Some(&MetadataValue::U8(200)));
    assert_eq!(file.get("i8"), Some(&MetadataValue::I8(-5)));
    assert_eq!(file.get("u16"), Some(&MetadataValue::U16(60000)));
    assert_eq!(file.get("i16"), Some(&MetadataValue::I16(-30000)));
    assert_eq!(file.get("i64"), Some(&MetadataValue::I64(-(1 << 40))));
    assert_eq!(file.get("f64"), Some(&MetadataValue::F64(0.25)));
    assert_eq!(file.get_u32("u8").unwrap(), 200);
    assert_eq!(file.get_u32("u32").unwrap(), 4_000_000_000);
    assert_eq!(file.get_u64("u64").unwrap(), 1 << 40);
    assert_eq!(file.get_f32("f32").unwrap(), 1.5);
    assert_eq!(file.get_f32("f64").unwrap(), 0.25);
    assert!(file.get_bool("bool").unwrap());
    assert_eq!(file.get_str("string").unwrap(), "llama");
    assert!(file.contains("i32") && !file.contains("absent"));
    let keys: Vec<&str> = file.metadata().map(|(key, _)| key).collect();
    assert_eq!(keys[..3], ["u8", "i8", "u16"]);
}

#[test]
fn arrays_and_nested_arrays_round_trip() {
    let file = every_type();
    assert_eq!(file.get_str_array("strings").unwrap(), ["a", "é b"]);
    assert_eq!(file.get_i32_array("ints").unwrap(), [1, -2]);
    assert_eq!(file.get_i32_array("u8s").unwrap(), [3, 4]);
    assert_eq!(file.get_u32_array("u8s").unwrap(), [3, 4]);
    assert_eq!(file.get_f32_array("floats").unwrap(), [0.5, -1.0]);
    assert_eq!(file.get_f32_array("ints").unwrap(), [1.0, -2.0]);
    assert_eq!(
        file.get("nested"),
        Some(&MetadataValue::Array(MetadataArray::Array(vec![
            MetadataArray::U32(vec![1, 2]),
            MetadataArray::U32(vec![]),
        ])))
    );
}

#[test]
fn getters_refuse_other_types_naming_key_and_expectation() {
    let file = every_type();
    let message = file.get_u32("i32").unwrap_err().to_string();
    assert!(
        message.contains("every_type.gguf") && message.contains("`i32`"),
        "{message}"
    );
    assert!(
        message.contains("expected an integer in 0..=4294967295"),
        "{message}"
    );
    assert!(matches!(
        file.get_u32("u64"),
        Err(GgufError::WrongType { .. })
    ));
    assert!(matches!(
        file.get_u32("i64"),
        Err(GgufError::WrongType { .. })
    ));
    assert!(matches!(
        file.get_str("u8"),
        Err(GgufError::WrongType { .. })
    ));
    assert!(matches!(
        file.get_u32_array("ints"),
        Err(GgufError::WrongType { .. })
    ));
    let message = file.get_str_array("ints").unwrap_err().to_string();
    assert!(message.contains("array of i32 (2 elements)"), "{message}");
    let message = file.get_str("absent.key").unwrap_err().to_string();
    assert!(message.contains("`absent.key` is missing"), "{message}");
}

#[test]
fn duplicate_keys_and_unknown_value_types_are_refused() {
    let duplicate = Builder::new()
        .meta("k", Value::U8(1))
        .meta("k", Value::U8(2))
        .build();
    let error = GgufFile::from_bytes("dup.gguf", duplicate).unwrap_err();
    assert!(
        error.to_string().contains("`k`: the key appears twice"),
        "{error}"
    );

    let mut bytes = Builder::new().meta("weird", Value::U8(1)).build();
    // The value type tag follows magic, version, counts (24 bytes) and the key (8 + 5 bytes).
    bytes[24 + 13..24 + 17].copy_from_slice(&99u32.to_le_bytes());
    let error = GgufFile::from_bytes("weird.gguf", bytes).unwrap_err();
    assert!(
        error.to_string().contains("unknown value type 99"),
        "{error}"
    );
}

#[test]
fn huge_array_counts_are_refused_before_allocating() {
    let mut bytes = Builder::new()
        .meta("big", Value::Array(6, vec![Value::F32(1.0)]))
        .build();
    // The count follows the key (8 + 3), the value tag (4) and the element tag (4).
    let at = 24 + 11 + 8;
    bytes[at..at + 8].copy_from_slice(&(u64::MAX / 2).to_le_bytes());
    let error = GgufFile::from_bytes("big.gguf", bytes).unwrap_err();
    assert!(matches!(error, GgufError::Truncated { .. }), "{error}");
    assert!(
        error.to_string().contains("metadata array `big`"),
        "{error}"
    );
}
