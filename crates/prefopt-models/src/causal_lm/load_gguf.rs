//! Loading a [`CausalLm`] from a GGUF file (llama.cpp's tensor names, dequantized to f32).

use super::config::CausalLmConfig;
use super::error::CausalLmError;
use super::model::CausalLm;
use prefopt_core::burn::module::Param;
use prefopt_core::burn::tensor::{Device, Tensor, TensorData};
use prefopt_gguf::GgufFile;
use std::path::Path;

/// Opens the GGUF file at `path`, reads its architecture and loads its weights onto `device`.
pub fn load_gguf(
    path: impl AsRef<Path>,
    device: &Device,
) -> Result<(CausalLm, CausalLmConfig), CausalLmError> {
    let file = GgufFile::open(path)?;
    let config = CausalLmConfig::from_gguf_metadata(&file)?;
    let model = load_gguf_weights(&file, &config, device)?;
    Ok((model, config))
}

/// The weights of `file` in a model of architecture `config`, on `device`. Linear weights are
/// stored `[d_out, d_in]` in the file and transposed on the host into burn's `[d_in, d_out]`
/// (contiguous: a transposed view makes burn's `Linear` an order of magnitude slower); query and
/// key projections stay in the file's adjacent-pair rotary layout, which is this model's.
pub fn load_gguf_weights(
    file: &GgufFile,
    config: &CausalLmConfig,
    device: &Device,
) -> Result<CausalLm, CausalLmError> {
    let loader = Loader { file, device };
    let mut model = CausalLm::init(config, device);
    let (vocab, hidden, ffn) = (
        config.vocab_size,
        config.hidden_size,
        config.intermediate_size,
    );
    let (q_width, kv_width) = (config.q_width(), config.kv_width());

    model.embedding.weight =
        Param::from_tensor(loader.tensor("token_embd.weight", [vocab, hidden])?);
    model.norm.gamma = Param::from_tensor(loader.tensor("output_norm.weight", [hidden])?);
    if let Some(head) = model.head.as_mut() {
        head.weight = loader.linear("output.weight", hidden, vocab)?;
    }
    for (index, block) in model.blocks.iter_mut().enumerate() {
        let name = |suffix: &str| format!("blk.{index}.{suffix}.weight");
        block.attention_norm.gamma =
            Param::from_tensor(loader.tensor(&name("attn_norm"), [hidden])?);
        block.mlp_norm.gamma = Param::from_tensor(loader.tensor(&name("ffn_norm"), [hidden])?);
        let attention = &mut block.attention;
        attention.query.weight = loader.linear(&name("attn_q"), hidden, q_width)?;
        attention.key.weight = loader.linear(&name("attn_k"), hidden, kv_width)?;
        attention.value.weight = loader.linear(&name("attn_v"), hidden, kv_width)?;
        attention.output.weight = loader.linear(&name("attn_output"), q_width, hidden)?;
        let mlp = &mut block.mlp;
        mlp.gate_up.linear_inner.weight = loader.linear(&name("ffn_gate"), hidden, ffn)?;
        mlp.gate_up.linear_outer.weight = loader.linear(&name("ffn_up"), hidden, ffn)?;
        mlp.down.weight = loader.linear(&name("ffn_down"), ffn, hidden)?;
    }
    Ok(model)
}

/// Reads tensors of one file onto one device, checking their shapes.
struct Loader<'a> {
    file: &'a GgufFile,
    device: &'a Device,
}

impl Loader<'_> {
    /// Tensor `name`, which must have shape `expected` (PyTorch order).
    fn tensor<const D: usize>(
        &self,
        name: &str,
        expected: [usize; D],
    ) -> Result<Tensor<D>, CausalLmError> {
        self.check_shape(name, &expected)?;
        let (_, values) = self.file.tensor_f32(name)?;
        Ok(Tensor::from_data(
            TensorData::new(values, expected),
            self.device,
        ))
    }

    /// A `Linear` weight: stored `[d_out, d_in]`, returned as `[d_in, d_out]`.
    fn linear(
        &self,
        name: &str,
        d_in: usize,
        d_out: usize,
    ) -> Result<Param<Tensor<2>>, CausalLmError> {
        self.check_shape(name, &[d_out, d_in])?;
        let (_, values) = self.file.matrix_f32_transposed(name)?;
        Ok(Param::from_tensor(Tensor::from_data(
            TensorData::new(values, [d_in, d_out]),
            self.device,
        )))
    }

    /// Checks the stored shape (PyTorch order) of tensor `name` before reading it.
    fn check_shape(&self, name: &str, expected: &[usize]) -> Result<(), CausalLmError> {
        let info =
            self.file
                .tensor_info(name)
                .ok_or_else(|| prefopt_gguf::GgufError::TensorNotFound {
                    path: self.file.path().to_path_buf(),
                    tensor: name.to_string(),
                })?;
        if info.shape != expected {
            return Err(CausalLmError::TensorShape {
                path: self.file.path().to_path_buf(),
                tensor: name.to_string(),
                expected: expected.to_vec(),
                found: info.shape.clone(),
            });
        }
        Ok(())
    }
}
