//! Shared by the preference task tests: the repository's test files, the tiny tokenizer written
//! for them, and an independent reference for its token ids.

#![allow(dead_code)]

use prefopt_core::burn::tensor::{Int, Tensor};
use prefopt_core::{PrefoptError, TextTokenizer};
use prefopt_data::preference_task::{
    PreferenceFileConfig, PreferenceFileTask, TaskData, TokenizedPair,
};
use std::path::PathBuf;
use std::sync::Arc;

/// `tests/data/preference/<name>` of the workspace.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/preference")
        .join(name)
}

/// The tiny byte-level BPE tokenizer of `tests/data/preference/tokenizer`: every byte is its own
/// id (ids 0-255), then `<|endoftext|>` (256, EOS), `<|im_start|>` (257), `<|im_end|>` (258),
/// `<|pad|>` (259, padding), and one merge, `a` + `b` = `ab` (260); a ChatML chat template.
pub fn tiny_tokenizer() -> Arc<dyn TextTokenizer> {
    Arc::new(
        prefopt_tokenizer::Tokenizer::from_file(data("tokenizer/tokenizer.json"))
            .unwrap_or_else(|e| panic!("the test tokenizer: {e}")),
    )
}

pub const EOS: u32 = 256;
pub const IM_START: u32 = 257;
pub const IM_END: u32 = 258;
pub const PAD: u32 = 259;

/// The ids the tiny tokenizer gives `text`, computed without it: the special tokens by their
/// ids, every other byte as itself. `text` must not hold `ab` (the one merge).
pub fn ids(text: &str) -> Vec<u32> {
    assert!(
        !text.contains("ab"),
        "the reference does not merge `ab`: {text:?}"
    );
    let specials = [
        ("<|endoftext|>", EOS),
        ("<|im_start|>", IM_START),
        ("<|im_end|>", IM_END),
        ("<|pad|>", PAD),
    ];
    let mut out = Vec::new();
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for (token, id) in specials {
            if let Some(after) = rest.strip_prefix(token) {
                out.push(id);
                rest = after;
                continue 'outer;
            }
        }
        let c = rest.chars().next().expect("not empty");
        out.extend(rest[..c.len_utf8()].bytes().map(u32::from));
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `ids(text)` followed by EOS.
pub fn ids_eos(text: &str) -> Vec<u32> {
    let mut out = ids(text);
    out.push(EOS);
    out
}

/// The task over `config` with the tiny tokenizer, seed 0.
pub fn build(config: &PreferenceFileConfig) -> Result<PreferenceFileTask, PrefoptError> {
    config.build_task(0, &*tiny_tokenizer())
}

/// A config reading the repository's test file `name`.
pub fn config(name: &str) -> PreferenceFileConfig {
    PreferenceFileConfig::new(data(name))
}

/// The rows of an id tensor.
pub fn rows(tensor: Tensor<2, Int>) -> Vec<Vec<i64>> {
    let [rows, columns] = tensor.dims();
    let flat = tensor
        .into_data()
        .convert::<i64>()
        .try_to_vec::<i64>()
        .expect("int tensor");
    (0..rows)
        .map(|r| flat[r * columns..(r + 1) * columns].to_vec())
        .collect()
}

/// The rows of a float tensor.
pub fn float_rows(tensor: Tensor<2>) -> Vec<Vec<f32>> {
    let [rows, columns] = tensor.dims();
    let flat = tensor.into_data().try_to_vec::<f32>().expect("f32 tensor");
    (0..rows)
        .map(|r| flat[r * columns..(r + 1) * columns].to_vec())
        .collect()
}

/// A float vector.
pub fn floats(tensor: Tensor<1>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().expect("f32 tensor")
}

/// `ids` as i64, right-padded with `PAD` to `width`.
pub fn padded(ids: &[u32], width: usize) -> Vec<i64> {
    let mut out: Vec<i64> = ids.iter().map(|&id| id as i64).collect();
    out.resize(width, PAD as i64);
    out
}

/// A mask of `real` ones then zeros, `width` long.
pub fn mask(real: usize, width: usize) -> Vec<f32> {
    (0..width)
        .map(|i| if i < real { 1.0 } else { 0.0 })
        .collect()
}

/// The training and held-out pairs of a task built from a paired file.
pub fn pairs(task: &PreferenceFileTask) -> (&[TokenizedPair], &[TokenizedPair]) {
    match task.data() {
        TaskData::Pairs { train, eval } => (train, eval),
        TaskData::Unpaired { .. } => panic!("expected pairs"),
    }
}
