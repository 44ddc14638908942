//! # prefopt-gguf
//!
//! A reader for GGUF files (versions 2 and 3), the single-file model format of llama.cpp
//! (<https://github.com/ggml-org/ggml/blob/master/docs/gguf.md>): the header, every metadata
//! value type (nested arrays included), tensor infos, `general.alignment`, and dequantization to
//! f32 of F32, F16, BF16, Q8_0, Q4_0 and Q4_1 tensors.
//!
//! Shapes are exposed in PyTorch (row-major) order: GGUF stores dimensions innermost first, so
//! a `Linear` weight GGUF lists as `[d_in, d_out]` reads `[d_out, d_in]` here.
//!
//! ```no_run
//! # fn main() -> Result<(), prefopt_gguf::GgufError> {
//! let file = prefopt_gguf::GgufFile::open("model.gguf")?;
//! let layers = file.get_u32("llama.block_count")?;
//! let (shape, values) = file.tensor_f32("token_embd.weight")?;
//! # Ok(()) }
//! ```

mod cursor;
mod dequant;
mod error;
mod file;
mod ggml_type;
mod metadata;
mod parse;
mod parse_value;
mod tensor_data;
mod tensor_info;
mod transpose;
mod value;

pub use error::GgufError;
pub use file::GgufFile;
pub use ggml_type::GgmlType;
pub use parse::DEFAULT_ALIGNMENT;
pub use tensor_info::TensorInfo;
pub use value::{MetadataArray, MetadataValue, ValueType};
