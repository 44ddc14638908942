//! Reading tensor data: raw bytes, and dequantized f32 values.

use crate::dequant::dequantize;
use crate::transpose::transpose;
use crate::{GgufError, GgufFile, TensorInfo};

impl GgufFile {
    fn info_or_error(&self, name: &str) -> Result<&TensorInfo, GgufError> {
        self.tensor_info(name)
            .ok_or_else(|| GgufError::TensorNotFound {
                path: self.path.clone(),
                tensor: name.to_string(),
            })
    }

    /// The raw bytes of tensor `name`, as stored (quantized blocks included).
    pub fn tensor_bytes(&self, name: &str) -> Result<&[u8], GgufError> {
        let info = self.info_or_error(name)?;
        let size = info.size_bytes.ok_or_else(|| self.unsupported(info))?;
        // Bounds were checked when the header was parsed.
        Ok(&self.bytes()[info.offset as usize..(info.offset + size) as usize])
    }

    /// Tensor `name` dequantized to f32: its shape in PyTorch (row-major) order and its values,
    /// row-major. Supports F32, F16, BF16, Q8_0, Q4_0 and Q4_1.
    pub fn tensor_f32(&self, name: &str) -> Result<(Vec<usize>, Vec<f32>), GgufError> {
        let info = self.info_or_error(name)?;
        if !info.ggml_type.is_dequantizable() {
            return Err(self.unsupported(info));
        }
        let bytes = self.tensor_bytes(name)?;
        let values = dequantize(info.ggml_type, bytes, info.num_elements())
            .ok_or_else(|| self.unsupported(info))?;
        Ok((info.shape.clone(), values))
    }

    /// Matrix `name` (2-D) dequantized to f32 and transposed: for a weight stored `[rows,
    /// columns]` (PyTorch order, e.g. `[d_out, d_in]`) the shape `[columns, rows]` and its values,
    /// row-major (the `[d_in, d_out]` layout burn's `Linear` uses).
    pub fn matrix_f32_transposed(&self, name: &str) -> Result<(Vec<usize>, Vec<f32>), GgufError> {
        let (shape, values) = self.tensor_f32(name)?;
        let &[rows, columns] = shape.as_slice() else {
            return Err(GgufError::InvalidTensor {
                path: self.path.clone(),
                tensor: name.to_string(),
                message: format!("shape {shape:?}: expected a matrix (2 dimensions)"),
            });
        };
        Ok((vec![columns, rows], transpose(&values, rows, columns)))
    }

    fn unsupported(&self, info: &TensorInfo) -> GgufError {
        GgufError::UnsupportedTensorType {
            path: self.path.clone(),
            tensor: info.name.clone(),
            ggml_type: info.ggml_type.name(),
        }
    }
}
