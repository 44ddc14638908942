//! The pre-tokenizers a GGUF file names in `tokenizer.ggml.pre`, as the split regexes llama.cpp
//! applies for them (`llm_tokenizer_bpe` in llama.cpp's `src/llama-vocab.cpp`).
//!
//! llama.cpp applies its expressions one after the other, each to the pieces the previous one left
//! (matches and the text between them both become pieces). A sequence of `Split` pre-tokenizers
//! with the `Isolated` behaviour does exactly that, followed by the byte-level mapping.

use tokenizers::SplitDelimiterBehavior;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};

/// GPT-2's word split. llama.cpp writes it without the final `|\s+` and implements it by hand
/// (`unicode_regex_split_custom_gpt2`), falling back to the whole whitespace run exactly as this
/// final alternative does; this form is the one Hugging Face's `ByteLevel` pre-tokenizer uses.
const GPT2_WORDS: &str =
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// Llama 3's word split (digits in groups of up to three), case-insensitive contractions spelled
/// out as llama.cpp adapts it.
const LLAMA3_WORDS: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Qwen 2's word split (single digits).
const QWEN2_WORDS: &str = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// How a named pre-tokenizer splits text and what llama.cpp's vocabulary loader sets with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreTokenizerRecipe {
    /// The canonical name (the first of its accepted names).
    pub name: &'static str,
    /// The split regexes, applied in order.
    pub regexes: &'static [&'static str],
    /// Whether a whole pre-token found in the vocabulary is taken as is, skipping the merges
    /// (llama.cpp's `tokenizer_ignore_merges`, Hugging Face BPE's `ignore_merges`).
    pub ignore_merges: bool,
    /// Whether BOS is added when the GGUF file has no `tokenizer.ggml.add_bos_token`.
    pub default_add_bos: bool,
}

/// Every supported pre-tokenizer: its accepted `tokenizer.ggml.pre` names and its recipe.
const RECIPES: &[(&[&str], PreTokenizerRecipe)] = &[
    (
        &["default"],
        PreTokenizerRecipe {
            name: "default",
            regexes: &[
                r"[\p{P}\$\+<=>\^~\|]+",
                GPT2_WORDS,
                r"\p{N}+",
                "[0-9][0-9][0-9]",
            ],
            ignore_merges: false,
            default_add_bos: false,
        },
    ),
    (
        &["gpt-2", "gpt2", "phi-2", "roberta-bpe"],
        PreTokenizerRecipe {
            name: "gpt-2",
            regexes: &[GPT2_WORDS],
            ignore_merges: false,
            default_add_bos: false,
        },
    ),
    (
        &["smollm", "starcoder", "refact", "codeshell"],
        PreTokenizerRecipe {
            name: "smollm",
            regexes: &[r"\p{N}", GPT2_WORDS],
            ignore_merges: false,
            default_add_bos: false,
        },
    ),
    (
        &["llama3", "llama-v3", "llama-bpe", "falcon3"],
        PreTokenizerRecipe {
            name: "llama3",
            regexes: &[LLAMA3_WORDS],
            ignore_merges: true,
            default_add_bos: true,
        },
    ),
    (
        &["qwen2", "stablelm2", "megrez"],
        PreTokenizerRecipe {
            name: "qwen2",
            regexes: &[QWEN2_WORDS],
            ignore_merges: false,
            default_add_bos: false,
        },
    ),
];

/// The recipe for a `tokenizer.ggml.pre` name, or `None` when it is not supported.
pub fn recipe(name: &str) -> Option<&'static PreTokenizerRecipe> {
    RECIPES
        .iter()
        .find(|(names, _)| names.contains(&name))
        .map(|(_, recipe)| recipe)
}

/// Every accepted `tokenizer.ggml.pre` name, for error messages.
pub fn supported_names() -> Vec<&'static str> {
    RECIPES
        .iter()
        .flat_map(|(names, _)| names.iter().copied())
        .collect()
}

impl PreTokenizerRecipe {
    /// The Hugging Face pre-tokenizer: one isolating `Split` per regex, then the byte-level
    /// mapping (no prefix space, no second regex).
    pub fn build(&self) -> Result<PreTokenizerWrapper, String> {
        let mut steps = Vec::with_capacity(self.regexes.len() + 1);
        for regex in self.regexes {
            let split = Split::new(
                SplitPattern::Regex((*regex).to_owned()),
                SplitDelimiterBehavior::Isolated,
                false,
            )
            .map_err(|e| format!("pre-tokenizer `{}`: regex `{regex}`: {e}", self.name))?;
            steps.push(PreTokenizerWrapper::Split(split));
        }
        steps.push(PreTokenizerWrapper::ByteLevel(ByteLevel::new(
            false, true, false,
        )));
        Ok(PreTokenizerWrapper::Sequence(Sequence::new(steps)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokenizers::{OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer};

    fn pieces(name: &str, text: &str) -> Vec<String> {
        let pre = recipe(name).unwrap().build().unwrap();
        let mut pretokenized = PreTokenizedString::from(text);
        pre.pre_tokenize(&mut pretokenized).unwrap();
        pretokenized
            .get_splits(OffsetReferential::Original, OffsetType::Byte)
            .into_iter()
            .map(|(_, offsets, _)| text[offsets.0..offsets.1].to_owned())
            .collect()
    }

    #[test]
    fn every_recipe_compiles() {
        for name in supported_names() {
            recipe(name).unwrap().build().unwrap();
        }
    }

    #[test]
    fn smollm_isolates_every_digit() {
        assert_eq!(
            pieces("smollm", "in 2024,"),
            ["in", " ", "2", "0", "2", "4", ","]
        );
    }

    #[test]
    fn gpt2_keeps_digit_runs_and_a_leading_space() {
        assert_eq!(
            pieces("gpt-2", "in 2024, it's"),
            ["in", " 2024", ",", " it", "'s"]
        );
    }

    #[test]
    fn llama3_groups_digits_by_three() {
        assert_eq!(pieces("llama3", "1234567"), ["123", "456", "7"]);
    }

    #[test]
    fn whitespace_runs_leave_one_space_for_the_next_word() {
        assert_eq!(
            pieces("smollm", "a   b\n\nc  "),
            ["a", "  ", " b", "\n", "\n", "c", "  "]
        );
    }

    #[test]
    fn unknown_names_are_not_found() {
        assert!(recipe("no-such-pre").is_none());
        assert!(supported_names().contains(&"smollm"));
    }
}
