//! Hugging Face chat templates (Jinja) rendered with minijinja, in the environment transformers
//! uses (`trim_blocks`, `lstrip_blocks`, Python string methods, `raise_exception`).

use crate::error::TokenizerError;
use crate::special::SpecialTokens;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{Environment, Error, ErrorKind, Value, context};
use prefopt_core::ChatMessage;
use std::fmt;

/// The name the template is registered under; errors point at `chat_template:LINE`.
const TEMPLATE_NAME: &str = "chat_template";

/// A compiled chat template.
pub struct ChatTemplate {
    env: Environment<'static>,
    source: String,
    origin: String,
}

impl fmt::Debug for ChatTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatTemplate")
            .field("origin", &self.origin)
            .field("source_chars", &self.source.len())
            .finish()
    }
}

fn template_error(origin: &str, error: &Error) -> TokenizerError {
    let mut message = error.to_string();
    if let Some(source) = error.template_source()
        && let Some(line) = error.line()
        && let Some(text) = source.lines().nth(line.saturating_sub(1))
    {
        message.push_str(&format!("; line {line}: {}", text.trim()));
    }
    TokenizerError::ChatTemplate {
        origin: origin.to_owned(),
        message,
    }
}

/// `raise_exception(message)`: the error Hugging Face templates raise on input they refuse
/// (e.g. roles that do not alternate).
fn raise_exception(message: String) -> Result<String, Error> {
    Err(Error::new(
        ErrorKind::InvalidOperation,
        format!("the template raised an exception: {message}"),
    ))
}

impl ChatTemplate {
    /// Compiles `source`; `origin` (a file, or a GGUF key) is named in errors.
    pub fn new(
        source: impl Into<String>,
        origin: impl Into<String>,
    ) -> Result<Self, TokenizerError> {
        let source = source.into();
        let origin = origin.into();
        let mut env = Environment::new();
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(|e| template_error(&origin, &e))?;
        env.set_syntax(syntax);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function("raise_exception", raise_exception);
        env.add_template_owned(TEMPLATE_NAME, source.clone())
            .map_err(|e| template_error(&origin, &e))?;
        Ok(Self {
            env,
            source,
            origin,
        })
    }

    /// The template text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders `messages`, then the assistant's turn header when `add_generation_prompt`. The
    /// template also sees `bos_token`, `eos_token`, `pad_token` and `unk_token` (empty when the
    /// tokenizer has none), as in transformers' `apply_chat_template`.
    pub fn render(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
        special: &SpecialTokens,
    ) -> Result<String, TokenizerError> {
        let template = self
            .env
            .get_template(TEMPLATE_NAME)
            .map_err(|e| template_error(&self.origin, &e))?;
        let token = |t: &Option<String>| t.clone().unwrap_or_default();
        template
            .render(context! {
                messages => Value::from(Serde(messages)),
                add_generation_prompt => add_generation_prompt,
                bos_token => token(&special.bos),
                eos_token => token(&special.eos),
                pad_token => token(&special.pad),
                unk_token => token(&special.unk),
            })
            .map_err(|e| template_error(&self.origin, &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> ChatMessage {
        ChatMessage::new("user", text)
    }

    #[test]
    fn renders_messages_and_the_generation_prompt() {
        let template = ChatTemplate::new(
            "{% for m in messages %}<{{ m.role }}>{{ m['content'] | trim }}\n{% endfor %}\
             {% if add_generation_prompt %}<assistant>{% endif %}",
            "test",
        )
        .unwrap();
        let text = template
            .render(&[user("  hi ")], true, &SpecialTokens::default())
            .unwrap();
        assert_eq!(text, "<user>hi\n<assistant>");
        let text = template
            .render(&[user("hi")], false, &SpecialTokens::default())
            .unwrap();
        assert_eq!(text, "<user>hi\n");
    }

    #[test]
    fn blocks_are_trimmed_like_transformers() {
        let template = ChatTemplate::new(
            "{% for m in messages %}\n    {% if m.role == 'user' %}\n[{{ m.content }}]\n    {% endif %}\n{% endfor %}",
            "test",
        )
        .unwrap();
        let text = template
            .render(&[user("a"), user("b")], false, &SpecialTokens::default())
            .unwrap();
        assert_eq!(text, "[a]\n[b]\n");
    }

    #[test]
    fn python_string_methods_and_special_tokens_are_available() {
        let template = ChatTemplate::new(
            "{{ bos_token }}{{ messages[0].content.strip().upper() }}\
             {% if messages[0].content.startswith(' x') %}!{% endif %}{{ eos_token }}",
            "test",
        )
        .unwrap();
        let special = SpecialTokens {
            bos: Some("<s>".into()),
            eos: Some("</s>".into()),
            ..SpecialTokens::default()
        };
        assert_eq!(
            template.render(&[user(" xy ")], false, &special).unwrap(),
            "<s>XY!</s>"
        );
    }

    #[test]
    fn raise_exception_is_an_error_with_its_message() {
        let template = ChatTemplate::new(
            "{% if messages[0].role != 'system' %}{{ raise_exception('system first') }}{% endif %}",
            "tokenizer_config.json",
        )
        .unwrap();
        let error = template
            .render(&[user("a")], false, &SpecialTokens::default())
            .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("tokenizer_config.json"), "{text}");
        assert!(text.contains("system first"), "{text}");
    }

    #[test]
    fn syntax_errors_name_the_origin_and_line() {
        let error = ChatTemplate::new(
            "line one\n{% for m in messages %}{{ m.content }",
            "model.gguf",
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("model.gguf"), "{error}");
        assert!(error.contains("line 2"), "{error}");
    }
}
