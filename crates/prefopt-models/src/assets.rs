//! Where the real model files fetched by `scripts/fetch-assets` live: re-exported from
//! [`prefopt_core::assets`], which the tokenizer's tests share.

pub use prefopt_core::assets::{cache_dir, smollm2_gguf_path};
