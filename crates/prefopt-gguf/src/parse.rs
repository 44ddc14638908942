//! Parsing the header, the metadata and the tensor infos of a GGUF file.

use crate::cursor::Cursor;
use crate::parse_value::ValueReader;
use crate::{GgmlType, GgufError, MetadataValue, TensorInfo};
use std::collections::HashMap;
use std::path::Path;

/// The alignment of the data section when `general.alignment` is absent.
pub const DEFAULT_ALIGNMENT: u64 = 32;
/// At most this many dimensions per tensor (ggml's `GGML_MAX_DIMS`).
const MAX_DIMS: u32 = 4;

/// Everything the header says.
pub(crate) struct Header {
    pub(crate) version: u32,
    pub(crate) metadata: Vec<(String, MetadataValue)>,
    pub(crate) metadata_index: HashMap<String, usize>,
    pub(crate) tensors: Vec<TensorInfo>,
    pub(crate) tensor_index: HashMap<String, usize>,
    pub(crate) alignment: u64,
    pub(crate) data_offset: u64,
}

/// Parses and checks the header of the GGUF file `path` whose content is `bytes`.
pub(crate) fn parse_header(path: &Path, bytes: &[u8]) -> Result<Header, GgufError> {
    let mut cursor = Cursor::new(path, bytes);
    let magic: [u8; 4] = cursor.array(&|| "the magic bytes".into())?;
    if &magic != b"GGUF" {
        return Err(GgufError::BadMagic {
            path: path.to_path_buf(),
            found: magic,
        });
    }
    let version = cursor.u32(&|| "the version".into())?;
    if !(2..=3).contains(&version) {
        return Err(GgufError::UnsupportedVersion {
            path: path.to_path_buf(),
            version,
        });
    }
    let tensor_count = cursor.u64(&|| "the tensor count".into())?;
    let metadata_count = cursor.u64(&|| "the metadata count".into())?;

    let mut metadata = Vec::new();
    let mut metadata_index = HashMap::new();
    for entry in 0..metadata_count {
        let key = cursor
            .string(&|| format!("metadata key #{entry}"))?
            .to_string();
        let reader = ValueReader { path, key: &key };
        let value_type = reader.value_type(&mut cursor)?;
        let value = reader.value(&mut cursor, value_type)?;
        if metadata_index.insert(key.clone(), metadata.len()).is_some() {
            return Err(GgufError::InvalidMetadata {
                path: path.to_path_buf(),
                key,
                message: "the key appears twice".into(),
            });
        }
        metadata.push((key, value));
    }

    let alignment = alignment(path, &metadata, &metadata_index)?;
    let mut raw_tensors = Vec::new();
    for entry in 0..tensor_count {
        raw_tensors.push(read_tensor_info(path, &mut cursor, entry)?);
    }
    let data_offset = (cursor.position() as u64).next_multiple_of(alignment);

    let mut tensors = Vec::with_capacity(raw_tensors.len());
    let mut tensor_index = HashMap::new();
    for (name, dims, ggml_type, relative) in raw_tensors {
        let info = check_tensor(
            path,
            bytes.len() as u64,
            name,
            dims,
            ggml_type,
            relative,
            alignment,
            data_offset,
        )?;
        if tensor_index
            .insert(info.name.clone(), tensors.len())
            .is_some()
        {
            return Err(invalid_tensor(
                path,
                &info.name,
                "the name appears twice".into(),
            ));
        }
        tensors.push(info);
    }
    Ok(Header {
        version,
        metadata,
        metadata_index,
        tensors,
        tensor_index,
        alignment,
        data_offset,
    })
}

fn invalid_tensor(path: &Path, tensor: &str, message: String) -> GgufError {
    GgufError::InvalidTensor {
        path: path.to_path_buf(),
        tensor: tensor.to_string(),
        message,
    }
}

/// `general.alignment`: a non-zero power of two, 32 when absent.
fn alignment(
    path: &Path,
    metadata: &[(String, MetadataValue)],
    index: &HashMap<String, usize>,
) -> Result<u64, GgufError> {
    const KEY: &str = "general.alignment";
    let Some(&position) = index.get(KEY) else {
        return Ok(DEFAULT_ALIGNMENT);
    };
    let value = &metadata[position].1;
    match value.as_integer() {
        Some(alignment)
            if alignment > 0
                && (alignment as u64).is_power_of_two()
                && alignment <= u32::MAX as i128 =>
        {
            Ok(alignment as u64)
        }
        _ => Err(GgufError::InvalidMetadata {
            path: path.to_path_buf(),
            key: KEY.into(),
            message: format!("expected a power of two, found {value:?}"),
        }),
    }
}

/// `(name, ggml dims, type, relative offset)` of tensor info number `entry`.
fn read_tensor_info(
    path: &Path,
    cursor: &mut Cursor<'_>,
    entry: u64,
) -> Result<(String, Vec<u64>, GgmlType, u64), GgufError> {
    let name = cursor
        .string(&|| format!("the name of tensor info #{entry}"))?
        .to_string();
    let what = || format!("the info of tensor `{name}`");
    let rank = cursor.u32(&what)?;
    if rank == 0 || rank > MAX_DIMS {
        return Err(invalid_tensor(
            path,
            &name,
            format!("{rank} dimensions: expected 1 to {MAX_DIMS}"),
        ));
    }
    let dims = (0..rank)
        .map(|_| cursor.u64(&what))
        .collect::<Result<Vec<_>, _>>()?;
    let ggml_type = GgmlType(cursor.u32(&what)?);
    let relative = cursor.u64(&what)?;
    Ok((name, dims, ggml_type, relative))
}

/// Checks a tensor's dimensions, block layout, alignment and bounds, and turns it into a
/// [`TensorInfo`] in row-major order.
#[allow(clippy::too_many_arguments)]
fn check_tensor(
    path: &Path,
    file_len: u64,
    name: String,
    dims: Vec<u64>,
    ggml_type: GgmlType,
    relative: u64,
    alignment: u64,
    data_offset: u64,
) -> Result<TensorInfo, GgufError> {
    let elements = dims
        .iter()
        .try_fold(1u64, |acc, &dim| acc.checked_mul(dim))
        .filter(|&n| n <= isize::MAX as u64)
        .ok_or_else(|| invalid_tensor(path, &name, format!("dimensions {dims:?} overflow")))?;
    if !relative.is_multiple_of(alignment) {
        return Err(invalid_tensor(
            path,
            &name,
            format!("data offset {relative} is not a multiple of the alignment {alignment}"),
        ));
    }
    let offset = data_offset
        .checked_add(relative)
        .ok_or_else(|| invalid_tensor(path, &name, format!("data offset {relative} overflows")))?;
    let size_bytes = match ggml_type.block_layout() {
        Some((block_elements, block_bytes)) => {
            if !dims[0].is_multiple_of(block_elements as u64) {
                return Err(invalid_tensor(
                    path,
                    &name,
                    format!(
                        "innermost dimension {} is not a multiple of the {ggml_type} block size {block_elements}",
                        dims[0]
                    ),
                ));
            }
            let size = elements / block_elements as u64 * block_bytes as u64;
            if offset.checked_add(size).is_none_or(|end| end > file_len) {
                return Err(GgufError::OffsetOutOfRange {
                    path: path.to_path_buf(),
                    tensor: name,
                    offset,
                    size,
                    len: file_len,
                });
            }
            Some(size)
        }
        None => None,
    };
    Ok(TensorInfo {
        name,
        shape: dims.iter().rev().map(|&d| d as usize).collect(),
        ggml_type,
        offset,
        size_bytes,
    })
}
