//! Hugging Face model directories in and out: `config.json` to and from [`CausalLmConfig`],
//! `model.safetensors` through burn's safetensors store (query and key rows converted between
//! the rotate-half and adjacent-pair rotary layouts), the tokenizer files, and
//! [`load_model`], which takes a GGUF file or a directory.
//!
//! [`CausalLmConfig`]: crate::causal_lm::CausalLmConfig

mod error;
mod export_hf;
mod hf_config;
mod json_fields;
mod load_hf;
mod load_model;
mod qk_weights;
mod safetensors_header;
mod tensor_names;

pub use error::HfError;
pub use export_hf::export_hf;
pub use hf_config::{
    CONFIG_FILE, GENERATION_CONFIG_FILE, HfConfig, config_json, generation_config_json, read_config,
};
pub use load_hf::{HfModel, WEIGHTS_FILE, WEIGHTS_INDEX_FILE, load_hf_dir, load_hf_weights};
pub use load_model::{LoadedCausalLm, load_model, load_tokenizer};
pub use safetensors_header::{TensorEntry, check_tensors, read_header};
pub use tensor_names::{expected_tensors, hf_to_module_remapper, module_to_hf_remapper};
