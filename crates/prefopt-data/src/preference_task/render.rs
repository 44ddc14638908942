//! A record's prompt and completions as text: as written, or rendered through the chat
//! template the way TRL's `maybe_apply_chat_template` does it.

use crate::preference_file::Content;
use prefopt_core::{ChatMessage, PrefoptError, TextTokenizer};

/// A prompt and its completions as the text the model reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The prompt's text.
    pub prompt: String,
    /// Each completion's text, in the order given.
    pub completions: Vec<String>,
    /// Whether the text came from the chat template (it then holds its own special tokens, and
    /// completions end with the template's end of turn rather than an added EOS).
    pub chat: bool,
}

/// The text of `prompt` and `completions`.
///
/// Text records are taken as they are. Conversations are rendered as TRL's
/// `maybe_apply_chat_template` renders them: the prompt with the generation prompt
/// (`add_generation_prompt = true`), each prompt + completion without it; the prompt is then the
/// longest start the prompt rendering shares with every prompt + completion rendering
/// (character by character, as TRL does for templates that render the generation prompt
/// differently), and each completion the rest of its rendering.
pub fn render(
    tokenizer: &dyn TextTokenizer,
    prompt: &Content,
    completions: &[&Content],
) -> Result<Rendered, PrefoptError> {
    let prompt_messages = match prompt {
        Content::Messages(messages) => messages,
        Content::Text(prompt) => return render_text(prompt, completions),
    };
    let mut prompt_text = tokenizer.apply_chat_template(prompt_messages, true)?;
    let mut full_texts = Vec::with_capacity(completions.len());
    for completion in completions {
        let Content::Messages(completion) = completion else {
            return Err(mixed());
        };
        let conversation: Vec<ChatMessage> =
            prompt_messages.iter().chain(completion).cloned().collect();
        let full = tokenizer.apply_chat_template(&conversation, false)?;
        prompt_text.truncate(common_prefix(&prompt_text, &full));
        full_texts.push(full);
    }
    let start = prompt_text.len();
    Ok(Rendered {
        completions: full_texts
            .into_iter()
            .map(|full| full[start..].to_string())
            .collect(),
        prompt: prompt_text,
        chat: true,
    })
}

/// The byte length of the longest common start of `a` and `b`, on a character boundary.
pub(crate) fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map(|((index, _), _)| index)
        .unwrap_or_else(|| a.len().min(b.len()))
}

/// A text record: taken as written.
fn render_text(prompt: &str, completions: &[&Content]) -> Result<Rendered, PrefoptError> {
    let completions = completions
        .iter()
        .map(|completion| match completion {
            Content::Text(text) => Ok(text.clone()),
            Content::Messages(_) => Err(mixed()),
        })
        .collect::<Result<_, _>>()?;
    Ok(Rendered {
        prompt: prompt.to_string(),
        completions,
        chat: false,
    })
}

fn mixed() -> PrefoptError {
    PrefoptError::Data(
        "a record mixes text and messages: the readers refuse that, so this is a bug".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::common_prefix;

    #[test]
    fn common_prefix_is_on_a_character_boundary() {
        assert_eq!(common_prefix("abc", "abd"), 2);
        assert_eq!(common_prefix("ab", "abc"), 2);
        assert_eq!(common_prefix("caf\u{e9}", "caf\u{e8}"), 3);
        assert_eq!(common_prefix("", "x"), 0);
    }
}
