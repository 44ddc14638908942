//! A GGUF file's tokenizer metadata as plain data, and the Hugging Face byte-level BPE built from
//! it the way llama.cpp reads the same keys (`llama_vocab::impl::load` in `src/llama-vocab.cpp`).

use crate::pre_tokenizer::{self, PreTokenizerRecipe};
use crate::special::SpecialTokens;
use tokenizers::decoders::DecoderWrapper;
use tokenizers::models::bpe::{BPE, Vocab};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::processors::template::TemplateProcessing;
use tokenizers::{AddedToken, Tokenizer as HfTokenizer};

/// GGUF key of the tokenizer model kind (`gpt2` for byte-level BPE).
pub const KEY_MODEL: &str = "tokenizer.ggml.model";
/// GGUF key of the pre-tokenizer name.
pub const KEY_PRE: &str = "tokenizer.ggml.pre";
/// GGUF key of the token strings, in id order.
pub const KEY_TOKENS: &str = "tokenizer.ggml.tokens";
/// GGUF key of the token types (llama.cpp's `llama_token_type`), in id order.
pub const KEY_TOKEN_TYPE: &str = "tokenizer.ggml.token_type";
/// GGUF key of the BPE merges, `"left right"`, highest priority first.
pub const KEY_MERGES: &str = "tokenizer.ggml.merges";
/// GGUF key of the beginning-of-sequence token id.
pub const KEY_BOS_ID: &str = "tokenizer.ggml.bos_token_id";
/// GGUF key of the end-of-sequence token id.
pub const KEY_EOS_ID: &str = "tokenizer.ggml.eos_token_id";
/// GGUF key of the end-of-turn token id.
pub const KEY_EOT_ID: &str = "tokenizer.ggml.eot_token_id";
/// GGUF key of the unknown token id.
pub const KEY_UNKNOWN_ID: &str = "tokenizer.ggml.unknown_token_id";
/// GGUF key of the padding token id.
pub const KEY_PADDING_ID: &str = "tokenizer.ggml.padding_token_id";
/// GGUF key saying whether BOS is prepended.
pub const KEY_ADD_BOS: &str = "tokenizer.ggml.add_bos_token";
/// GGUF key of the Jinja chat template.
pub const KEY_CHAT_TEMPLATE: &str = "tokenizer.chat_template";

/// llama.cpp's `LLAMA_TOKEN_TYPE_CONTROL`: special tokens (`<|im_end|>`), never split, skipped by
/// `decode(.., skip_special_tokens = true)`.
const TOKEN_TYPE_CONTROL: i32 = 3;
/// llama.cpp's `LLAMA_TOKEN_TYPE_USER_DEFINED`: tokens matched whole in text but decoded as text.
const TOKEN_TYPE_USER_DEFINED: i32 = 4;

/// The tokenizer keys of a GGUF file, read but not yet checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GgufVocab {
    /// `tokenizer.ggml.model`.
    pub model: String,
    /// `tokenizer.ggml.pre`; llama.cpp uses `default` when absent.
    pub pre: Option<String>,
    /// `tokenizer.ggml.tokens`.
    pub tokens: Vec<String>,
    /// `tokenizer.ggml.token_type`, one per token when present.
    pub token_types: Option<Vec<i32>>,
    /// `tokenizer.ggml.merges`.
    pub merges: Vec<String>,
    /// `tokenizer.ggml.bos_token_id`.
    pub bos_id: Option<u32>,
    /// `tokenizer.ggml.eos_token_id`.
    pub eos_id: Option<u32>,
    /// `tokenizer.ggml.eot_token_id`.
    pub eot_id: Option<u32>,
    /// `tokenizer.ggml.unknown_token_id`.
    pub unknown_id: Option<u32>,
    /// `tokenizer.ggml.padding_token_id`.
    pub padding_id: Option<u32>,
    /// `tokenizer.ggml.add_bos_token`.
    pub add_bos: Option<bool>,
    /// `tokenizer.chat_template`.
    pub chat_template: Option<String>,
}

/// What [`GgufVocab::build`] makes: the Hugging Face tokenizer and the special tokens.
#[derive(Debug)]
pub struct BuiltVocab {
    /// Byte-level BPE with the pre-tokenizer, decoder, post-processor and added tokens set.
    pub tokenizer: HfTokenizer,
    /// BOS, EOS, padding and unknown tokens, and the extra end-of-turn ids.
    pub special: SpecialTokens,
    /// Whether BOS is prepended when special tokens are added.
    pub add_bos: bool,
}

/// A GGUF key whose value cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabError {
    /// The GGUF key.
    pub key: &'static str,
    /// What was expected.
    pub message: String,
}

fn fail<T>(key: &'static str, message: impl Into<String>) -> Result<T, VocabError> {
    Err(VocabError {
        key,
        message: message.into(),
    })
}

impl GgufVocab {
    /// Checks the keys and builds the byte-level BPE tokenizer they describe.
    pub fn build(&self) -> Result<BuiltVocab, VocabError> {
        if self.model != "gpt2" {
            return fail(
                KEY_MODEL,
                format!(
                    "tokenizer model `{}` is not supported (supported: `gpt2`, byte-level BPE)",
                    self.model
                ),
            );
        }
        let pre_name = self.pre.as_deref().unwrap_or("default");
        let Some(recipe) = pre_tokenizer::recipe(pre_name) else {
            return fail(
                KEY_PRE,
                format!(
                    "pre-tokenizer `{pre_name}` is not supported (supported: {})",
                    pre_tokenizer::supported_names().join(", ")
                ),
            );
        };
        let vocab = self.vocab_map()?;
        let merges = self.merge_pairs()?;
        let bpe = BPE::builder()
            .vocab_and_merges(vocab, merges)
            .ignore_merges(recipe.ignore_merges)
            .build()
            .or_else(|e| fail(KEY_MERGES, format!("cannot build the BPE model: {e}")))?;

        let mut tokenizer = HfTokenizer::new(bpe);
        let pre = recipe.build().or_else(|message| fail(KEY_PRE, message))?;
        tokenizer.with_pre_tokenizer(Some(pre));
        tokenizer.with_decoder(Some(DecoderWrapper::ByteLevel(ByteLevel::default())));
        self.add_special_tokens(&mut tokenizer)?;

        let special = self.special_tokens()?;
        let add_bos = self.add_bos.unwrap_or(recipe.default_add_bos);
        let bos = special.bos.clone().zip(self.bos_id);
        tokenizer.with_post_processor(Some(post_processor(recipe, bos, add_bos)?));
        Ok(BuiltVocab {
            tokenizer,
            special,
            add_bos,
        })
    }

    fn vocab_map(&self) -> Result<Vocab, VocabError> {
        if self.tokens.is_empty() {
            return fail(KEY_TOKENS, "the token list is empty");
        }
        let mut vocab = Vocab::with_capacity(self.tokens.len());
        for (id, token) in self.tokens.iter().enumerate() {
            if token.is_empty() {
                return fail(KEY_TOKENS, format!("token {id} is empty"));
            }
            if let Some(first) = vocab.insert(token.clone(), id as u32) {
                return fail(
                    KEY_TOKENS,
                    format!("token {token:?} appears twice (ids {first} and {id})"),
                );
            }
        }
        Ok(vocab)
    }

    /// Merges are `"left right"`; llama.cpp splits at the first space after the first byte.
    fn merge_pairs(&self) -> Result<Vec<(String, String)>, VocabError> {
        self.merges
            .iter()
            .enumerate()
            .map(|(index, merge)| {
                let split = merge.char_indices().skip(1).find(|&(_, c)| c == ' ');
                match split {
                    Some((at, _)) if at + 1 < merge.len() => {
                        Ok((merge[..at].to_owned(), merge[at + 1..].to_owned()))
                    }
                    _ => fail(
                        KEY_MERGES,
                        format!("merge {index} ({merge:?}) is not two tokens separated by a space"),
                    ),
                }
            })
            .collect()
    }

    /// Control tokens become special added tokens, user-defined ones plain added tokens, so the
    /// text matcher keeps them whole.
    fn add_special_tokens(&self, tokenizer: &mut HfTokenizer) -> Result<(), VocabError> {
        let Some(types) = &self.token_types else {
            return Ok(());
        };
        if types.len() != self.tokens.len() {
            return fail(
                KEY_TOKEN_TYPE,
                format!(
                    "{} token types for {} tokens",
                    types.len(),
                    self.tokens.len()
                ),
            );
        }
        let mut control = Vec::new();
        let mut user_defined = Vec::new();
        for (token, &kind) in self.tokens.iter().zip(types) {
            match kind {
                TOKEN_TYPE_CONTROL => {
                    control.push(AddedToken::from(token.clone(), true).normalized(false))
                }
                TOKEN_TYPE_USER_DEFINED => {
                    user_defined.push(AddedToken::from(token.clone(), false).normalized(false))
                }
                _ => {}
            }
        }
        tokenizer.add_special_tokens(&control);
        tokenizer.add_tokens(&user_defined);
        Ok(())
    }

    fn special_tokens(&self) -> Result<SpecialTokens, VocabError> {
        let token = |key: &'static str, id: Option<u32>| -> Result<Option<String>, VocabError> {
            match id {
                None => Ok(None),
                Some(id) => match self.tokens.get(id as usize) {
                    Some(token) => Ok(Some(token.clone())),
                    None => fail(
                        key,
                        format!(
                            "token id {id} is outside the vocabulary of {} tokens",
                            self.tokens.len()
                        ),
                    ),
                },
            }
        };
        let eot = token(KEY_EOT_ID, self.eot_id)?;
        Ok(SpecialTokens {
            bos: token(KEY_BOS_ID, self.bos_id)?,
            eos: token(KEY_EOS_ID, self.eos_id)?,
            pad: token(KEY_PADDING_ID, self.padding_id)?,
            unk: token(KEY_UNKNOWN_ID, self.unknown_id)?,
            extra_eos: eot.into_iter().collect(),
        })
    }
}

/// Prepends BOS when asked (so a saved tokenizer.json does the same in Hugging Face), otherwise
/// the byte-level post-processor Hugging Face's byte-level BPE tokenizers carry.
fn post_processor(
    recipe: &PreTokenizerRecipe,
    bos: Option<(String, u32)>,
    add_bos: bool,
) -> Result<PostProcessorWrapper, VocabError> {
    if !add_bos {
        return Ok(PostProcessorWrapper::ByteLevel(ByteLevel::new(
            false, false, false,
        )));
    }
    let Some((bos, bos_id)) = bos else {
        return fail(
            KEY_ADD_BOS,
            format!(
                "BOS is to be added (pre-tokenizer `{}`), but `{KEY_BOS_ID}` is missing",
                recipe.name
            ),
        );
    };
    let template = TemplateProcessing::builder()
        .try_single(vec![bos.as_str(), "$A:0"])
        .and_then(|b| b.try_pair(vec![bos.as_str(), "$A:0", bos.as_str(), "$B:1"]))
        .map_err(|e| VocabError {
            key: KEY_BOS_ID,
            message: format!("BOS token {bos:?} cannot be used in a template: {e}"),
        })?
        .special_tokens(vec![(bos.clone(), bos_id)])
        .build()
        .or_else(|e| fail(KEY_BOS_ID, format!("BOS template: {e}")))?;
    Ok(PostProcessorWrapper::Template(template))
}

#[cfg(test)]
#[path = "gguf_vocab_tests.rs"]
mod tests;
