//! Decoding generated tokens to text as they come, for streaming.

use anyhow::Result;
use prefopt::TextTokenizer;

/// Turns a growing token sequence into text pieces as they become printable: a piece is
/// released once its bytes decode to whole characters (no trailing U+FFFD), so multi-byte
/// characters split over several byte-level tokens print whole. Decodes a short window (the
/// tokens since the previous piece, after one piece of context) rather than everything.
#[derive(Debug, Default)]
pub struct IncrementalDecoder {
    tokens: Vec<u32>,
    /// Start of the context window.
    prefix_offset: usize,
    /// End of what has been printed.
    read_offset: usize,
}

impl IncrementalDecoder {
    /// Adds `token`; returns the newly printable text (possibly empty).
    pub fn push(&mut self, tokenizer: &dyn TextTokenizer, token: u32) -> Result<String> {
        self.tokens.push(token);
        let before = tokenizer.decode(&self.tokens[self.prefix_offset..self.read_offset], true)?;
        let now = tokenizer.decode(&self.tokens[self.prefix_offset..], true)?;
        if now.len() <= before.len() || now.ends_with('\u{FFFD}') {
            return Ok(String::new());
        }
        let Some(piece) = now.strip_prefix(before.as_str()) else {
            return Ok(String::new());
        };
        let piece = piece.to_string();
        self.prefix_offset = self.read_offset;
        self.read_offset = self.tokens.len();
        Ok(piece)
    }

    /// Whatever was held back at the end (an incomplete character prints as U+FFFD).
    pub fn finish(&self, tokenizer: &dyn TextTokenizer) -> Result<String> {
        let before = tokenizer.decode(&self.tokens[self.prefix_offset..self.read_offset], true)?;
        let now = tokenizer.decode(&self.tokens[self.prefix_offset..], true)?;
        Ok(now
            .strip_prefix(before.as_str())
            .unwrap_or_default()
            .to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prefopt::models::assets::smollm2_gguf_path;
    use prefopt_tokenizer::Tokenizer;

    #[test]
    fn multi_byte_characters_split_over_tokens_print_whole() {
        let path = smollm2_gguf_path().unwrap_or_else(|error| panic!("{error}"));
        let tokenizer = Tokenizer::from_gguf_path(path).unwrap();
        let text = "Grüße aus Köln: 日本語のテキスト 🎉🚀 done.";
        let ids = tokenizer.encode(text, false).unwrap();
        let partial = ids
            .iter()
            .any(|&id| tokenizer.decode(&[id], true).unwrap().contains('\u{FFFD}'));
        assert!(
            partial,
            "some token holds part of a character, or the test proves nothing"
        );
        let mut decoder = IncrementalDecoder::default();
        let mut streamed = String::new();
        for &id in &ids {
            let piece = decoder.push(&tokenizer, id).unwrap();
            assert!(!piece.contains('\u{FFFD}'), "{piece:?}");
            streamed.push_str(&piece);
        }
        streamed.push_str(&decoder.finish(&tokenizer).unwrap());
        assert_eq!(streamed, text);
    }
}
