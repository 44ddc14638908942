//! The named special tokens of a tokenizer (BOS, EOS, padding, unknown), as token strings.

/// Special tokens by role, as their token strings (e.g. `<|im_end|>`); ids come from the
/// vocabulary. These are what chat templates see as `bos_token`, `eos_token`, ... and what
/// `tokenizer_config.json` records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecialTokens {
    /// Beginning of sequence.
    pub bos: Option<String>,
    /// End of sequence: generation stops on it.
    pub eos: Option<String>,
    /// Padding.
    pub pad: Option<String>,
    /// Unknown token.
    pub unk: Option<String>,
    /// Further tokens that end a completion (a GGUF file's end-of-turn token).
    pub extra_eos: Vec<String>,
}
