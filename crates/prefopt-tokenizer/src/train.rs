//! Training a byte-level BPE tokenizer on a corpus, for small language models trained from
//! scratch on that corpus.

use crate::error::TokenizerError;
use crate::special::SpecialTokens;
use crate::tokenizer::Tokenizer;
use std::path::Path;
use tokenizers::models::TrainerWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::normalizers::{Lowercase, NormalizerWrapper};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{AddedToken, Tokenizer as HfTokenizer};

/// The end-of-text token of a trained tokenizer: BOS and EOS, as in GPT-2.
pub const END_OF_TEXT: &str = "<|endoftext|>";
/// The padding token of a trained tokenizer.
pub const PADDING: &str = "<|pad|>";

/// How [`Tokenizer::train_bpe`] trains.
#[derive(Debug, Clone, PartialEq)]
pub struct BpeTraining {
    /// The vocabulary size reached, the 256 byte tokens and the special tokens included.
    pub vocab_size: usize,
    /// A pair of tokens is merged only when it occurs at least this often.
    pub min_frequency: u64,
    /// Lowercase the text before anything else (a normalizer saved with the tokenizer, so text
    /// given to it later is lowercased too).
    pub lowercase: bool,
}

impl Default for BpeTraining {
    /// 2048 tokens, pairs seen at least twice, case kept.
    fn default() -> Self {
        Self {
            vocab_size: 2048,
            min_frequency: 2,
            lowercase: false,
        }
    }
}

/// The smallest vocabulary a byte-level BPE can have: the 256 bytes and the two special tokens.
pub const MIN_VOCAB_SIZE: usize = 256 + 2;

impl Tokenizer {
    /// Trains a byte-level BPE tokenizer (GPT-2's scheme, Radford et al. 2019; BPE merges,
    /// Sennrich et al. 2016, arXiv:1508.07909) on `texts` with the `tokenizers` crate's trainer:
    /// every byte is a token, so any text encodes, and the most frequent adjacent pairs are
    /// merged until `vocab_size` tokens. The special tokens are [`END_OF_TEXT`] (id 0: BOS and
    /// EOS, so generation stops on it) and [`PADDING`] (id 1). Decoding the ids of a text gives
    /// the text back (lowercased when `lowercase`).
    ///
    /// # Errors
    /// A `vocab_size` below [`MIN_VOCAB_SIZE`], no text, or a failure of the trainer.
    pub fn train_bpe<I, S>(texts: I, options: &BpeTraining) -> Result<Self, TokenizerError>
    where
        I: Iterator<Item = S> + Send,
        S: AsRef<str> + Send,
    {
        let error = |message: String| TokenizerError::Codec {
            origin: "byte-level BPE training".into(),
            message,
        };
        if options.vocab_size < MIN_VOCAB_SIZE {
            return Err(error(format!(
                "vocab_size {} is below {MIN_VOCAB_SIZE} (the 256 bytes and 2 special tokens)",
                options.vocab_size
            )));
        }
        let specials = [END_OF_TEXT, PADDING].map(|t| AddedToken::from(t, true));
        let mut trainer: TrainerWrapper = BpeTrainerBuilder::new()
            .vocab_size(options.vocab_size)
            .min_frequency(options.min_frequency)
            .show_progress(false)
            .special_tokens(specials.to_vec())
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .build()
            .into();
        let byte_level = ByteLevel::default().add_prefix_space(false);
        let mut inner = HfTokenizer::new(BPE::default());
        inner
            .with_pre_tokenizer(Some(byte_level))
            .with_decoder(Some(byte_level));
        if options.lowercase {
            inner.with_normalizer(Some(NormalizerWrapper::from(Lowercase)));
        }
        let mut seen = 0usize;
        let counted = texts.inspect(|_| seen += 1);
        inner
            .train(&mut trainer, counted)
            .map_err(|e| error(format!("the trainer failed: {e}")))?;
        if seen == 0 {
            return Err(error("no text to train on".into()));
        }
        inner.add_special_tokens(&specials);
        let special = SpecialTokens {
            bos: Some(END_OF_TEXT.into()),
            eos: Some(END_OF_TEXT.into()),
            pad: Some(PADDING.into()),
            unk: None,
            extra_eos: Vec::new(),
        };
        Ok(Self::from_parts(
            inner,
            special,
            false,
            format!("byte-level BPE trained on {seen} texts"),
        ))
    }

    /// Trains on the lines of `files` (each non-empty line one text), as
    /// [`train_bpe`](Self::train_bpe).
    ///
    /// # Errors
    /// A file that cannot be read (named), and the errors of [`train_bpe`](Self::train_bpe).
    pub fn train_bpe_on_files(
        files: &[impl AsRef<Path>],
        options: &BpeTraining,
    ) -> Result<Self, TokenizerError> {
        let mut lines = Vec::new();
        for path in files {
            let path = path.as_ref();
            let text = std::fs::read_to_string(path).map_err(|source| TokenizerError::Io {
                path: path.to_owned(),
                source,
            })?;
            lines.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|line| !line.is_empty())
                    .map(str::to_owned),
            );
        }
        Self::train_bpe(lines.into_iter(), options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<&'static str> {
        vec![
            "the film is a joy to watch , warm and funny .",
            "the film is a mess , dull and far too long .",
            "a warm , funny and wise film .",
            "the acting is dull and the plot is a mess .",
        ]
    }

    #[test]
    fn round_trips_text_and_has_its_special_tokens() {
        let options = BpeTraining {
            vocab_size: 300,
            ..BpeTraining::default()
        };
        let tokenizer = Tokenizer::train_bpe(corpus().into_iter(), &options).unwrap();
        assert!(tokenizer.vocab_size() <= 300, "{}", tokenizer.vocab_size());
        assert!(tokenizer.vocab_size() > MIN_VOCAB_SIZE);
        assert_eq!(tokenizer.token_id(END_OF_TEXT), Some(0));
        assert_eq!(tokenizer.token_id(PADDING), Some(1));
        assert_eq!(tokenizer.eos_token_id(), Some(0));
        assert_eq!(tokenizer.pad_token_id(), Some(1));
        // Frequent words became single tokens; unseen text still encodes byte by byte.
        let film = tokenizer.encode(" film", false).unwrap();
        assert_eq!(film.len(), 1, "{film:?}");
        for text in ["the film is warm .", "Zebra crossings ünïcode!"] {
            let ids = tokenizer.encode(text, false).unwrap();
            assert_eq!(tokenizer.decode(&ids, false).unwrap(), text);
        }
        let ids = tokenizer.encode("a mess<|endoftext|>", false).unwrap();
        assert_eq!(ids.last(), Some(&0));
        assert_eq!(tokenizer.decode(&ids, true).unwrap(), "a mess");
    }

    #[test]
    fn saves_a_directory_that_loads_back() {
        let options = BpeTraining {
            vocab_size: 280,
            lowercase: true,
            ..BpeTraining::default()
        };
        let tokenizer = Tokenizer::train_bpe(corpus().into_iter(), &options).unwrap();
        let dir = tempfile::tempdir().unwrap();
        tokenizer.save(dir.path()).unwrap();
        let loaded = Tokenizer::from_file(dir.path().join(crate::TOKENIZER_FILE)).unwrap();
        let text = "The FILM is Warm .";
        assert_eq!(
            loaded.encode(text, false).unwrap(),
            tokenizer.encode(text, false).unwrap()
        );
        let ids = loaded.encode(text, false).unwrap();
        assert_eq!(loaded.decode(&ids, false).unwrap(), text.to_lowercase());
        assert_eq!(loaded.eos_token_id(), Some(0));
        assert_eq!(loaded.pad_token_id(), Some(1));
    }

    #[test]
    fn refuses_a_vocabulary_below_the_bytes_and_no_text() {
        let small = BpeTraining {
            vocab_size: 100,
            ..BpeTraining::default()
        };
        let error = Tokenizer::train_bpe(corpus().into_iter(), &small).unwrap_err();
        assert!(error.to_string().contains("vocab_size 100"), "{error}");
        let error = Tokenizer::train_bpe(Vec::<String>::new().into_iter(), &BpeTraining::default())
            .unwrap_err();
        assert!(error.to_string().contains("no text"), "{error}");
    }
}
