//! `tokenizer_config.json`, the file beside a Hugging Face tokenizer.json that names the special
//! tokens and carries the chat template.

use crate::error::TokenizerError;
use crate::special::SpecialTokens;
use serde_json::{Map, Value, json};
use std::path::Path;

/// The file name transformers reads.
pub const TOKENIZER_CONFIG_FILE: &str = "tokenizer_config.json";
/// Where transformers (4.43 and later) saves a chat template on its own.
pub const CHAT_TEMPLATE_FILE: &str = "chat_template.jinja";

/// What `tokenizer_config.json` adds to a tokenizer.json.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenizerConfig {
    /// `bos_token`, `eos_token`, `pad_token`, `unk_token`.
    pub special: SpecialTokens,
    /// `add_bos_token`.
    pub add_bos_token: Option<bool>,
    /// `chat_template` (the `default` one when the file lists several), or `chat_template.jinja`.
    pub chat_template: Option<String>,
}

fn file_error(path: &Path, message: impl Into<String>) -> TokenizerError {
    TokenizerError::File {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// A token field: a string, an `AddedToken` object with `content`, or null.
fn token_field(
    path: &Path,
    object: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, TokenizerError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(token)) => Ok(Some(token.clone())),
        Some(Value::Object(token)) => match token.get("content") {
            Some(Value::String(content)) => Ok(Some(content.clone())),
            _ => Err(file_error(
                path,
                format!("`{field}`: expected a string `content` in the token object"),
            )),
        },
        Some(other) => Err(file_error(
            path,
            format!("`{field}`: expected a token string or object, got {other}"),
        )),
    }
}

/// `chat_template`: a string, or a list of `{name, template}` of which `default` is taken.
fn chat_template_field(
    path: &Path,
    value: Option<&Value>,
) -> Result<Option<String>, TokenizerError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(template)) => Ok(Some(template.clone())),
        Some(Value::Array(templates)) => {
            let mut names = Vec::new();
            for entry in templates {
                let name = entry.get("name").and_then(Value::as_str);
                let template = entry.get("template").and_then(Value::as_str);
                match (name, template) {
                    (Some("default"), Some(template)) => return Ok(Some(template.to_owned())),
                    (Some(name), Some(_)) => names.push(name.to_owned()),
                    _ => {
                        return Err(file_error(
                            path,
                            "`chat_template`: list entries need string `name` and `template`",
                        ));
                    }
                }
            }
            Err(file_error(
                path,
                format!(
                    "`chat_template`: no template named `default` (found: {})",
                    names.join(", ")
                ),
            ))
        }
        Some(other) => Err(file_error(
            path,
            format!("`chat_template`: expected a string or a list of named templates, got {other}"),
        )),
    }
}

impl TokenizerConfig {
    /// Reads `path` (a `tokenizer_config.json`), and `chat_template.jinja` beside it when the
    /// config has no template.
    pub fn read(path: &Path) -> Result<Self, TokenizerError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokenizerError::Io {
            path: path.to_owned(),
            source,
        })?;
        let value: Value = serde_json::from_str(&text)
            .map_err(|e| file_error(path, format!("invalid JSON: {e}")))?;
        let Value::Object(object) = value else {
            return Err(file_error(path, "expected a JSON object"));
        };
        let add_bos_token = match object.get("add_bos_token") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(add)) => Some(*add),
            Some(other) => {
                return Err(file_error(
                    path,
                    format!("`add_bos_token`: expected true or false, got {other}"),
                ));
            }
        };
        let mut chat_template = chat_template_field(path, object.get("chat_template"))?;
        if chat_template.is_none() {
            let beside = path.with_file_name(CHAT_TEMPLATE_FILE);
            if beside.is_file() {
                chat_template = Some(std::fs::read_to_string(&beside).map_err(|source| {
                    TokenizerError::Io {
                        path: beside.clone(),
                        source,
                    }
                })?);
            }
        }
        Ok(Self {
            special: SpecialTokens {
                bos: token_field(path, &object, "bos_token")?,
                eos: token_field(path, &object, "eos_token")?,
                pad: token_field(path, &object, "pad_token")?,
                unk: token_field(path, &object, "unk_token")?,
                extra_eos: Vec::new(),
            },
            add_bos_token,
            chat_template,
        })
    }

    /// The JSON transformers' `AutoTokenizer` reads: the generic fast tokenizer class over the
    /// tokenizer.json beside it, the special tokens and the chat template.
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("tokenizer_class".into(), json!("PreTrainedTokenizerFast"));
        object.insert(
            "add_bos_token".into(),
            json!(self.add_bos_token.unwrap_or(false)),
        );
        object.insert("add_eos_token".into(), json!(false));
        object.insert("clean_up_tokenization_spaces".into(), json!(false));
        let tokens = [
            ("bos_token", &self.special.bos),
            ("eos_token", &self.special.eos),
            ("pad_token", &self.special.pad),
            ("unk_token", &self.special.unk),
        ];
        for (field, token) in tokens {
            if let Some(token) = token {
                object.insert(field.into(), json!(token));
            }
        }
        if let Some(template) = &self.chat_template {
            object.insert("chat_template".into(), json!(template));
        }
        Value::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<TokenizerConfig, TokenizerError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TOKENIZER_CONFIG_FILE);
        std::fs::write(&path, text).unwrap();
        TokenizerConfig::read(&path)
    }

    #[test]
    fn reads_strings_token_objects_and_named_templates() {
        let config = read(
            r#"{"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>",
                "pad_token": null, "add_bos_token": true,
                "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}"#,
        )
        .unwrap();
        assert_eq!(config.special.bos.as_deref(), Some("<s>"));
        assert_eq!(config.special.eos.as_deref(), Some("</s>"));
        assert_eq!(config.special.pad, None);
        assert_eq!(config.add_bos_token, Some(true));
        assert_eq!(config.chat_template.as_deref(), Some("D"));
    }

    #[test]
    fn round_trips_through_json() {
        let config = TokenizerConfig {
            special: SpecialTokens {
                bos: Some("<|im_start|>".into()),
                eos: Some("<|im_end|>".into()),
                pad: Some("<|im_end|>".into()),
                unk: Some("<|endoftext|>".into()),
                extra_eos: Vec::new(),
            },
            add_bos_token: Some(false),
            chat_template: Some("{{ messages }}".into()),
        };
        let back = read(&config.to_json().to_string()).unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn bad_fields_are_named() {
        let error = read(r#"{"eos_token": 2}"#).unwrap_err().to_string();
        assert!(
            error.contains("tokenizer_config.json") && error.contains("`eos_token`"),
            "{error}"
        );
        let error = read(r#"{"add_bos_token": "yes"}"#).unwrap_err().to_string();
        assert!(error.contains("`add_bos_token`"), "{error}");
        let error = read(r#"{"chat_template": [{"name": "rag", "template": "x"}]}"#)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`default`") && error.contains("rag"),
            "{error}"
        );
        let error = read("{ not json").unwrap_err().to_string();
        assert!(
            error.contains("invalid JSON") && error.contains("line 1"),
            "{error}"
        );
    }
}
