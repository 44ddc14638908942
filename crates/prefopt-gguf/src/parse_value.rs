//! Decoding metadata values (scalars, strings, nested arrays) from the file.

use crate::cursor::Cursor;
use crate::{GgufError, MetadataArray, MetadataValue, ValueType};
use std::path::Path;

/// How deep arrays may nest before the file is refused (real files use one level).
const MAX_ARRAY_DEPTH: usize = 16;

/// Reads metadata values for the entry `key` of `path`.
pub(crate) struct ValueReader<'p> {
    pub(crate) path: &'p Path,
    pub(crate) key: &'p str,
}

impl ValueReader<'_> {
    fn invalid(&self, message: String) -> GgufError {
        GgufError::InvalidMetadata {
            path: self.path.to_path_buf(),
            key: self.key.to_string(),
            message,
        }
    }

    /// The value type tag.
    pub(crate) fn value_type(&self, cursor: &mut Cursor<'_>) -> Result<ValueType, GgufError> {
        let what = || format!("the value type of metadata `{}`", self.key);
        let tag = cursor.u32(&what)?;
        ValueType::from_tag(tag)
            .ok_or_else(|| self.invalid(format!("unknown value type {tag}: expected 0..=12")))
    }

    /// One value of type `value_type`.
    pub(crate) fn value(
        &self,
        cursor: &mut Cursor<'_>,
        value_type: ValueType,
    ) -> Result<MetadataValue, GgufError> {
        let what = || format!("the value of metadata `{}`", self.key);
        Ok(match value_type {
            ValueType::U8 => MetadataValue::U8(u8::from_le_bytes(cursor.array(&what)?)),
            ValueType::I8 => MetadataValue::I8(i8::from_le_bytes(cursor.array(&what)?)),
            ValueType::U16 => MetadataValue::U16(u16::from_le_bytes(cursor.array(&what)?)),
            ValueType::I16 => MetadataValue::I16(i16::from_le_bytes(cursor.array(&what)?)),
            ValueType::U32 => MetadataValue::U32(u32::from_le_bytes(cursor.array(&what)?)),
            ValueType::I32 => MetadataValue::I32(i32::from_le_bytes(cursor.array(&what)?)),
            ValueType::F32 => MetadataValue::F32(f32::from_le_bytes(cursor.array(&what)?)),
            ValueType::U64 => MetadataValue::U64(u64::from_le_bytes(cursor.array(&what)?)),
            ValueType::I64 => MetadataValue::I64(i64::from_le_bytes(cursor.array(&what)?)),
            ValueType::F64 => MetadataValue::F64(f64::from_le_bytes(cursor.array(&what)?)),
            ValueType::Bool => MetadataValue::Bool(self.bool(cursor.array::<1>(&what)?[0])?),
            ValueType::String => MetadataValue::String(cursor.string(&what)?.to_string()),
            ValueType::Array => MetadataValue::Array(self.array(cursor, 1)?),
        })
    }

    fn bool(&self, byte: u8) -> Result<bool, GgufError> {
        match byte {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.invalid(format!("expected a bool (0 or 1), found {other}"))),
        }
    }

    /// An array: element type, count, elements.
    fn array(&self, cursor: &mut Cursor<'_>, depth: usize) -> Result<MetadataArray, GgufError> {
        if depth > MAX_ARRAY_DEPTH {
            return Err(self.invalid(format!(
                "arrays nested deeper than {MAX_ARRAY_DEPTH} levels"
            )));
        }
        let element_type = self.value_type(cursor)?;
        let what = || format!("the element count of metadata array `{}`", self.key);
        let count = cursor.u64(&what)?;
        let what = || {
            format!(
                "{count} {} elements of metadata array `{}`",
                element_type.name(),
                self.key
            )
        };
        // Refuse counts the remaining bytes cannot hold before allocating anything.
        let min_bytes = count.saturating_mul(element_type.min_size());
        if min_bytes > cursor.remaining() {
            return Err(cursor.truncated(&what, min_bytes));
        }
        let count = count as usize;
        macro_rules! numbers {
            ($variant:ident, $ty:ty) => {{
                let bytes = cursor.take((count * size_of::<$ty>()) as u64, &what)?;
                MetadataArray::$variant(
                    bytes
                        .chunks_exact(size_of::<$ty>())
                        .map(|chunk| <$ty>::from_le_bytes(chunk.try_into().expect("chunk size")))
                        .collect(),
                )
            }};
        }
        Ok(match element_type {
            ValueType::U8 => numbers!(U8, u8),
            ValueType::I8 => numbers!(I8, i8),
            ValueType::U16 => numbers!(U16, u16),
            ValueType::I16 => numbers!(I16, i16),
            ValueType::U32 => numbers!(U32, u32),
            ValueType::I32 => numbers!(I32, i32),
            ValueType::F32 => numbers!(F32, f32),
            ValueType::U64 => numbers!(U64, u64),
            ValueType::I64 => numbers!(I64, i64),
            ValueType::F64 => numbers!(F64, f64),
            ValueType::Bool => MetadataArray::Bool(
                cursor
                    .take(count as u64, &what)?
                    .iter()
                    .map(|&byte| self.bool(byte))
                    .collect::<Result<_, _>>()?,
            ),
            ValueType::String => MetadataArray::String(
                (0..count)
                    .map(|_| cursor.string(&what).map(str::to_string))
                    .collect::<Result<_, _>>()?,
            ),
            ValueType::Array => MetadataArray::Array(
                (0..count)
                    .map(|_| self.array(cursor, depth + 1))
                    .collect::<Result<_, _>>()?,
            ),
        })
    }
}
