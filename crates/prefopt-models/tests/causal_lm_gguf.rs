//! Loading from GGUF files built in memory: a random model written with llama.cpp's tensor
//! names loads back to the same logits; other architectures and wrong shapes are refused
//! naming the file and the key or tensor.

use prefopt_core::burn::module::Module;
use prefopt_core::burn::tensor::{Device, Int, Tensor, TensorData, Tolerance};
use prefopt_gguf::GgufFile;
use prefopt_models::causal_lm::{CausalLm, CausalLmConfig, CausalLmError, load_gguf_weights};

/// A GGUF v3 file: string/u32/f32 metadata, F32 tensors (shapes in PyTorch order).
struct Writer {
    metadata: Vec<(String, u32, Vec<u8>)>,
    tensors: Vec<(String, Vec<usize>, Vec<f32>)>,
}

impl Writer {
    fn new(architecture: &str) -> Self {
        let mut writer = Self {
            metadata: Vec::new(),
            tensors: Vec::new(),
        };
        writer.string("general.architecture", architecture);
        writer
    }
    fn string(&mut self, key: &str, value: &str) {
        let mut bytes = (value.len() as u64).to_le_bytes().to_vec();
        bytes.extend(value.as_bytes());
        self.metadata.push((key.into(), 8, bytes));
    }
    fn u32(&mut self, key: &str, value: usize) {
        self.metadata
            .push((key.into(), 4, (value as u32).to_le_bytes().to_vec()));
    }
    fn f32(&mut self, key: &str, value: f64) {
        self.metadata
            .push((key.into(), 6, (value as f32).to_le_bytes().to_vec()));
    }
    fn tensor(&mut self, name: &str, tensor: Tensor<2>) {
        let shape = tensor.dims().to_vec();
        self.tensors.push((
            name.into(),
            shape,
            tensor.into_data().try_into_vec_as::<f32>().unwrap(),
        ));
    }
    fn vector(&mut self, name: &str, tensor: Tensor<1>) {
        let shape = tensor.dims().to_vec();
        self.tensors.push((
            name.into(),
            shape,
            tensor.into_data().try_into_vec_as::<f32>().unwrap(),
        ));
    }
    fn build(&self) -> Vec<u8> {
        let text = |out: &mut Vec<u8>, text: &str| {
            out.extend((text.len() as u64).to_le_bytes());
            out.extend(text.as_bytes());
        };
        let mut out = b"GGUF".to_vec();
        out.extend(3u32.to_le_bytes());
        out.extend((self.tensors.len() as u64).to_le_bytes());
        out.extend((self.metadata.len() as u64).to_le_bytes());
        for (key, tag, value) in &self.metadata {
            text(&mut out, key);
            out.extend(tag.to_le_bytes());
            out.extend(value);
        }
        let mut offset = 0u64;
        for (name, shape, values) in &self.tensors {
            text(&mut out, name);
            out.extend((shape.len() as u32).to_le_bytes());
            for &dim in shape.iter().rev() {
                out.extend((dim as u64).to_le_bytes());
            }
            out.extend(0u32.to_le_bytes());
            out.extend(offset.to_le_bytes());
            offset = (offset + 4 * values.len() as u64).next_multiple_of(32);
        }
        out.resize(out.len().next_multiple_of(32), 0);
        let start = out.len();
        let mut offset = 0;
        for (_, _, values) in &self.tensors {
            out.resize(start + offset, 0);
            out.extend(values.iter().flat_map(|v| v.to_le_bytes()));
            offset = (offset + 4 * values.len()).next_multiple_of(32);
        }
        out
    }
}

/// `model` (of architecture `config`) written the way llama.cpp's converter names it.
fn write(config: &CausalLmConfig, model: &CausalLm) -> Writer {
    let mut writer = Writer::new("llama");
    writer.u32("llama.vocab_size", config.vocab_size);
    writer.u32("llama.embedding_length", config.hidden_size);
    writer.u32("llama.feed_forward_length", config.intermediate_size);
    writer.u32("llama.block_count", config.num_layers);
    writer.u32("llama.attention.head_count", config.num_heads);
    writer.u32("llama.attention.head_count_kv", config.num_kv_heads);
    writer.u32("llama.rope.dimension_count", config.head_dim);
    writer.u32("llama.context_length", config.max_position_embeddings);
    writer.f32("llama.rope.freq_base", config.rope_theta);
    writer.f32(
        "llama.attention.layer_norm_rms_epsilon",
        config.rms_norm_eps,
    );
    writer.u32("tokenizer.ggml.bos_token_id", 1);
    writer.u32("tokenizer.ggml.eos_token_id", 2);
    // Linear weights go to the file as PyTorch's [d_out, d_in].
    let linear = |weight: Tensor<2>| weight.transpose();
    writer.tensor("token_embd.weight", model.embedding.weight.val());
    writer.vector("output_norm.weight", model.norm.gamma.val());
    if let Some(head) = &model.head {
        writer.tensor("output.weight", linear(head.weight.val()));
    }
    for (index, block) in model.blocks.iter().enumerate() {
        let name = |suffix: &str| format!("blk.{index}.{suffix}.weight");
        writer.vector(&name("attn_norm"), block.attention_norm.gamma.val());
        writer.vector(&name("ffn_norm"), block.mlp_norm.gamma.val());
        writer.tensor(&name("attn_q"), linear(block.attention.query.weight.val()));
        writer.tensor(&name("attn_k"), linear(block.attention.key.weight.val()));
        writer.tensor(&name("attn_v"), linear(block.attention.value.weight.val()));
        writer.tensor(
            &name("attn_output"),
            linear(block.attention.output.weight.val()),
        );
        writer.tensor(
            &name("ffn_gate"),
            linear(block.mlp.gate_up.linear_inner.weight.val()),
        );
        writer.tensor(
            &name("ffn_up"),
            linear(block.mlp.gate_up.linear_outer.weight.val()),
        );
        writer.tensor(&name("ffn_down"), linear(block.mlp.down.weight.val()));
    }
    writer
}

fn random(config: &CausalLmConfig, seed: u64) -> CausalLm {
    let device = Device::default();
    device.seed(seed);
    CausalLm::init(config, &device)
}

#[test]
fn a_written_model_loads_back_to_the_same_logits_tied_and_untied() {
    let device = Device::default();
    for tie_word_embeddings in [true, false] {
        let config = CausalLmConfig {
            tie_word_embeddings,
            ..CausalLmConfig::tiny()
        };
        let model = random(&config, 9);
        let file = GgufFile::from_bytes("tiny.gguf", write(&config, &model).build()).unwrap();
        let read = CausalLmConfig::from_gguf_metadata(&file).unwrap();
        assert_eq!(read.tie_word_embeddings, tie_word_embeddings);
        assert_eq!((read.bos_token_id, read.eos_token_id), (Some(1), Some(2)));
        assert_eq!(
            CausalLmConfig {
                rms_norm_eps: config.rms_norm_eps,
                ..read.clone()
            },
            config
        );
        let loaded = load_gguf_weights(&file, &read, &device).unwrap();
        assert_eq!(loaded.num_params(), model.num_params());
        let tokens = Tensor::<2, Int>::from_data(
            TensorData::new(vec![3i64, 1, 4, 1, 5, 9, 2, 6], [2, 4]),
            &device,
        );
        loaded
            .forward(tokens.clone())
            .into_data()
            .assert_approx_eq::<f32>(
                &model.forward(tokens).into_data(),
                Tolerance::absolute(1e-4),
            );
    }
}

#[test]
fn other_architectures_and_wrong_shapes_are_refused_by_name() {
    let mut writer = Writer::new("gpt2");
    writer.u32("gpt2.block_count", 2);
    let file = GgufFile::from_bytes("gpt2.gguf", writer.build()).unwrap();
    let error = CausalLmConfig::from_gguf_metadata(&file).unwrap_err();
    assert!(matches!(error, CausalLmError::Architecture { .. }));
    assert!(
        error
            .to_string()
            .contains("gpt2.gguf: `general.architecture` is \"gpt2\""),
        "{error}"
    );

    let config = CausalLmConfig::tiny();
    let model = random(&config, 1);
    let mut writer = write(&config, &model);
    // A key projection with the query's width: the file's kv head count says otherwise.
    let position = writer
        .tensors
        .iter()
        .position(|(name, ..)| name == "blk.1.attn_k.weight")
        .unwrap();
    writer.tensors[position].1 = vec![32, 32];
    writer.tensors[position].2 = vec![0.0; 32 * 32];
    let file = GgufFile::from_bytes("shapes.gguf", writer.build()).unwrap();
    let error = load_gguf_weights(&file, &config, &Device::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(
            "shapes.gguf: tensor `blk.1.attn_k.weight` has shape [32, 32]: expected [16, 32]"
        ),
        "{error}"
    );

    let mut writer = write(&config, &model);
    writer
        .tensors
        .retain(|(name, ..)| name != "blk.0.ffn_down.weight");
    let file = GgufFile::from_bytes("missing.gguf", writer.build()).unwrap();
    let error = load_gguf_weights(&file, &config, &Device::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("missing.gguf: no tensor named `blk.0.ffn_down.weight`"),
        "{error}"
    );

    let mut writer = write(&config, &model);
    writer
        .metadata
        .retain(|(key, ..)| key != "llama.block_count");
    let file = GgufFile::from_bytes("keys.gguf", writer.build()).unwrap();
    let error = CausalLmConfig::from_gguf_metadata(&file)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("keys.gguf: metadata key `llama.block_count` is missing"),
        "{error}"
    );
}
