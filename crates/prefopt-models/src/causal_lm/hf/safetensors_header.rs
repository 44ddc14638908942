//! The header of a safetensors file (<https://github.com/huggingface/safetensors>, "Format"),
//! read and checked before any weight is: which tensors, their dtypes and shapes, and whether
//! the file holds every byte the header promises. burn's store then reads the data.

use super::error::HfError;
use prefopt_core::json::json_kind;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One tensor of a safetensors header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorEntry {
    /// The file holding it.
    pub file: PathBuf,
    /// The safetensors dtype name (`F32`, `BF16`, ...).
    pub dtype: String,
    /// The shape (PyTorch order).
    pub shape: Vec<usize>,
}

/// The dtypes a weight may be stored in, and their sizes in bytes.
fn float_size(dtype: &str) -> Option<usize> {
    match dtype {
        "F32" => Some(4),
        "F16" | "BF16" => Some(2),
        _ => None,
    }
}

/// The size in bytes of one element of any safetensors dtype.
fn element_bits(dtype: &str) -> Option<usize> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 8,
        "F4" => 4,
        "I16" | "U16" | "F16" | "BF16" => 16,
        "I32" | "U32" | "F32" => 32,
        "I64" | "U64" | "F64" => 64,
        _ => return None,
    })
}

fn weights_error(path: &Path, message: String) -> HfError {
    HfError::Weights {
        path: path.to_path_buf(),
        message,
    }
}

/// Reads the header of the safetensors file at `path` and checks it against the file: every
/// entry well-formed, its byte range the size its dtype and shape need, and the data section
/// exactly as long as the tensors (a truncated file names the first tensor it cuts).
pub fn read_header(path: &Path) -> Result<BTreeMap<String, TensorEntry>, HfError> {
    let mut file = std::fs::File::open(path).map_err(HfError::io(path))?;
    let file_len = file.metadata().map_err(HfError::io(path))?.len();
    let mut length = [0u8; 8];
    file.read_exact(&mut length).map_err(|_| {
        weights_error(
            path,
            format!("truncated: {file_len} bytes, too short for a safetensors header"),
        )
    })?;
    let header_len = u64::from_le_bytes(length);
    if header_len > file_len.saturating_sub(8) {
        return Err(weights_error(
            path,
            format!(
                "truncated: the header declares {header_len} bytes but the file has {file_len} bytes in all"
            ),
        ));
    }
    let mut header = vec![0u8; header_len as usize];
    file.read_exact(&mut header).map_err(HfError::io(path))?;
    let header: Value = serde_json::from_slice(&header)
        .map_err(|error| weights_error(path, format!("the header is not valid JSON: {error}")))?;
    let Value::Object(header) = header else {
        return Err(weights_error(
            path,
            format!(
                "the header is {}: expected a JSON object",
                json_kind(&header)
            ),
        ));
    };
    let data_len = file_len - 8 - header_len;
    let mut tensors = BTreeMap::new();
    let mut ranges = Vec::new();
    for (name, entry) in header
        .iter()
        .filter(|(name, _)| name.as_str() != "__metadata__")
    {
        let (entry, range) = parse_entry(path, name, entry)?;
        ranges.push((range, name.clone()));
        tensors.insert(name.clone(), entry);
    }
    ranges.sort();
    if let Some(((_, end), name)) = ranges.iter().find(|((_, end), _)| *end > data_len) {
        return Err(weights_error(
            path,
            format!(
                "truncated: tensor `{name}` ends at byte {end} of the data section, but the file holds only {data_len} data bytes"
            ),
        ));
    }
    let used = ranges.last().map_or(0, |((_, end), _)| *end);
    if used != data_len {
        return Err(weights_error(
            path,
            format!(
                "the data section has {data_len} bytes but the tensors cover {used}: the file is damaged"
            ),
        ));
    }
    Ok(tensors)
}

/// One header entry `{"dtype", "shape", "data_offsets"}` and its byte range.
fn parse_entry(
    path: &Path,
    name: &str,
    entry: &Value,
) -> Result<(TensorEntry, (u64, u64)), HfError> {
    let bad = |what: &str| weights_error(path, format!("tensor `{name}`: {what}"));
    let dtype = entry
        .get("dtype")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("`dtype` missing or not a string"))?;
    let shape = entry
        .get("shape")
        .and_then(Value::as_array)
        .and_then(|dims| {
            dims.iter()
                .map(|d| d.as_u64().map(|d| d as usize))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| bad("`shape` missing or not a list of integers"))?;
    let offsets = entry
        .get("data_offsets")
        .and_then(Value::as_array)
        .and_then(|o| match o.as_slice() {
            [start, end] => Some((start.as_u64()?, end.as_u64()?)),
            _ => None,
        })
        .ok_or_else(|| bad("`data_offsets` missing or not two integers"))?;
    if offsets.1 < offsets.0 {
        return Err(bad(&format!(
            "`data_offsets` {offsets:?} end before they start"
        )));
    }
    if let Some(bits) = element_bits(dtype) {
        let needed = (shape.iter().product::<usize>() * bits).div_ceil(8) as u64;
        if offsets.1 - offsets.0 != needed {
            return Err(bad(&format!(
                "`data_offsets` {offsets:?} cover {} bytes, but {dtype} of shape {shape:?} needs {needed}",
                offsets.1 - offsets.0
            )));
        }
    }
    let entry = TensorEntry {
        file: path.to_path_buf(),
        dtype: dtype.to_string(),
        shape,
    };
    Ok((entry, offsets))
}

/// Checks that every tensor of `expected` (name, shape) is in `tensors`, with that shape and a
/// float dtype; `source` (the weights file, or the shard index) is named for missing tensors.
pub fn check_tensors(
    source: &Path,
    tensors: &BTreeMap<String, TensorEntry>,
    expected: &[(String, Vec<usize>)],
) -> Result<(), HfError> {
    for (name, shape) in expected {
        let Some(entry) = tensors.get(name) else {
            return Err(HfError::MissingTensor {
                path: source.to_path_buf(),
                tensor: name.clone(),
                expected: shape.clone(),
            });
        };
        if &entry.shape != shape {
            return Err(HfError::TensorShape {
                path: entry.file.clone(),
                tensor: name.clone(),
                expected: shape.clone(),
                found: entry.shape.clone(),
            });
        }
        if float_size(&entry.dtype).is_none() {
            return Err(weights_error(
                &entry.file,
                format!(
                    "tensor `{name}` is {}: expected F32, F16 or BF16",
                    entry.dtype
                ),
            ));
        }
    }
    Ok(())
}
