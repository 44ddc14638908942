//! Typed metadata getters of [`GgufFile`].

use crate::{GgufError, GgufFile, MetadataArray, MetadataValue};

impl GgufFile {
    fn required(&self, key: &str) -> Result<&MetadataValue, GgufError> {
        self.get(key).ok_or_else(|| GgufError::MissingKey {
            path: self.path.clone(),
            key: key.to_string(),
        })
    }

    fn wrong_type(&self, key: &str, expected: &str, found: &MetadataValue) -> GgufError {
        self.wrong_array(key, expected, describe_value(found))
    }

    fn wrong_array(&self, key: &str, expected: &str, found: String) -> GgufError {
        GgufError::WrongType {
            path: self.path.clone(),
            key: key.to_string(),
            expected: expected.to_string(),
            found,
        }
    }

    fn array(&self, key: &str, expected: &str) -> Result<&MetadataArray, GgufError> {
        match self.required(key)? {
            MetadataValue::Array(array) => Ok(array),
            other => Err(self.wrong_type(key, expected, other)),
        }
    }

    /// The string at `key`.
    pub fn get_str(&self, key: &str) -> Result<&str, GgufError> {
        match self.required(key)? {
            MetadataValue::String(value) => Ok(value),
            other => Err(self.wrong_type(key, "a string", other)),
        }
    }

    /// The bool at `key`.
    pub fn get_bool(&self, key: &str) -> Result<bool, GgufError> {
        match self.required(key)? {
            MetadataValue::Bool(value) => Ok(*value),
            other => Err(self.wrong_type(key, "a bool", other)),
        }
    }

    /// The integer at `key` (stored as any integer type), if it fits a `u32`.
    pub fn get_u32(&self, key: &str) -> Result<u32, GgufError> {
        let value = self.required(key)?;
        value
            .as_integer()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| self.wrong_type(key, "an integer in 0..=4294967295", value))
    }

    /// The integer at `key` (stored as any integer type), if it fits a `u64`.
    pub fn get_u64(&self, key: &str) -> Result<u64, GgufError> {
        let value = self.required(key)?;
        value
            .as_integer()
            .and_then(|v| u64::try_from(v).ok())
            .ok_or_else(|| self.wrong_type(key, "a non-negative integer", value))
    }

    /// The number at `key`: an `f32`, an `f64` (rounded) or an integer.
    pub fn get_f32(&self, key: &str) -> Result<f32, GgufError> {
        let value = self.required(key)?;
        match *value {
            MetadataValue::F32(v) => Ok(v),
            MetadataValue::F64(v) => Ok(v as f32),
            _ => value
                .as_integer()
                .map(|v| v as f32)
                .ok_or_else(|| self.wrong_type(key, "a number", value)),
        }
    }

    /// The array of strings at `key`.
    pub fn get_str_array(&self, key: &str) -> Result<&[String], GgufError> {
        match self.array(key, "an array of strings")? {
            MetadataArray::String(values) => Ok(values),
            other => Err(self.wrong_array(key, "an array of strings", other.describe())),
        }
    }

    /// The array of integers (of any integer type) at `key`, if every element fits an `i32`.
    pub fn get_i32_array(&self, key: &str) -> Result<Vec<i32>, GgufError> {
        self.integer_array(key, "an array of integers that fit i32")
    }

    /// The array of integers (of any integer type) at `key`, if every element fits a `u32`.
    pub fn get_u32_array(&self, key: &str) -> Result<Vec<u32>, GgufError> {
        self.integer_array(key, "an array of integers in 0..=4294967295")
    }

    fn integer_array<T: TryFrom<i128>>(
        &self,
        key: &str,
        expected: &str,
    ) -> Result<Vec<T>, GgufError> {
        let array = self.array(key, expected)?;
        array
            .to_integers()
            .and_then(|values| values.into_iter().map(|v| T::try_from(v).ok()).collect())
            .ok_or_else(|| self.wrong_array(key, expected, array.describe()))
    }

    /// The array of numbers (`f32`, `f64` or integers) at `key`, as `f32`.
    pub fn get_f32_array(&self, key: &str) -> Result<Vec<f32>, GgufError> {
        let array = self.array(key, "an array of numbers")?;
        match array {
            MetadataArray::F32(values) => Ok(values.clone()),
            MetadataArray::F64(values) => Ok(values.iter().map(|&v| v as f32).collect()),
            other => other
                .to_integers()
                .map(|values| values.into_iter().map(|v| v as f32).collect())
                .ok_or_else(|| self.wrong_array(key, "an array of numbers", other.describe())),
        }
    }
}

/// A value's type for messages; short values are shown too (`u32 7`).
fn describe_value(value: &MetadataValue) -> String {
    match value {
        MetadataValue::Array(_) => value.describe(),
        MetadataValue::String(text) if text.len() <= 40 => format!("string {text:?}"),
        MetadataValue::String(_) => "a string".into(),
        scalar => format!("{} {scalar:?}", scalar.describe()),
    }
}
