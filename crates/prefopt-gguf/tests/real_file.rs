//! The real SmolLM2-135M-Instruct GGUF fetched by `scripts/fetch-assets`.

use prefopt_gguf::{GgmlType, GgufFile};
use std::path::PathBuf;

fn smollm2_path() -> PathBuf {
    let cache = std::env::var_os("PREFOPT_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/prefopt")))
        .expect("PREFOPT_CACHE or HOME must be set");
    let path = cache.join("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        path.is_file(),
        "{} is missing: run `scripts/fetch-assets` to fetch the test model",
        path.display()
    );
    path
}

#[test]
fn smollm2_metadata_and_tensors_read() {
    let file = GgufFile::open(smollm2_path()).unwrap();
    assert_eq!(file.get_str("general.architecture").unwrap(), "llama");
    assert_eq!(file.get_u32("llama.block_count").unwrap(), 30);
    assert_eq!(file.get_u32("llama.embedding_length").unwrap(), 576);
    assert_eq!(file.get_u32("llama.attention.head_count_kv").unwrap(), 3);
    assert_eq!(file.get_f32("llama.rope.freq_base").unwrap(), 100000.0);
    assert_eq!(
        file.get_str_array("tokenizer.ggml.tokens").unwrap().len(),
        49152
    );
    assert_eq!(
        file.get_str_array("tokenizer.ggml.merges").unwrap().len(),
        48900
    );
    assert_eq!(file.tensor_names().count(), 272);

    let embedding = file.tensor_info("token_embd.weight").unwrap();
    assert_eq!(embedding.shape, [49152, 576]);
    assert_eq!(embedding.ggml_type, GgmlType::Q8_0);
    let (shape, values) = file.tensor_f32("blk.0.attn_q.weight").unwrap();
    assert_eq!(shape, [576, 576]);
    assert!(values.iter().all(|v| v.is_finite()));
    let (shape, norm) = file.tensor_f32("output_norm.weight").unwrap();
    assert_eq!(shape, [576]);
    assert!(norm.iter().any(|&v| v != 0.0));
}
