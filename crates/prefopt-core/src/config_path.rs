//! Field paths of config errors (`algorithm.objective.terms[1].beta`), and the parser's
//! messages in the words of a config.

use serde_path_to_error::Segment;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PathPart {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

impl PathPart {
    pub(crate) fn of(segment: &Segment) -> Option<Self> {
        match segment {
            Segment::Map { key } => Some(PathPart::Key(key.clone())),
            Segment::Seq { index } => Some(PathPart::Index(*index)),
            Segment::Enum { variant } => Some(PathPart::Key(variant.clone())),
            Segment::Unknown => None,
        }
    }

    /// `a.b[2].c` as parts.
    pub(crate) fn parse_dotted(field: &str) -> Vec<Self> {
        let mut parts = Vec::new();
        for piece in field.split('.').filter(|p| !p.is_empty()) {
            let mut rest = piece;
            if let Some(open) = rest.find('[') {
                parts.push(PathPart::Key(rest[..open].to_string()));
                rest = &rest[open..];
                while let Some(close) = rest.find(']') {
                    match rest[1..close].parse() {
                        Ok(index) => parts.push(PathPart::Index(index)),
                        Err(_) => parts.push(PathPart::Key(rest[1..close].to_string())),
                    }
                    rest = &rest[close + 1..];
                }
            } else {
                parts.push(PathPart::Key(rest.to_string()));
            }
        }
        parts
    }

    /// Parts as `a.b[2].c`.
    pub(crate) fn dotted(parts: &[Self]) -> String {
        let mut text = String::new();
        for part in parts {
            match part {
                PathPart::Key(key) => {
                    if !text.is_empty() {
                        text.push('.');
                    }
                    text.push_str(key);
                }
                PathPart::Index(index) => text.push_str(&format!("[{index}]")),
            }
        }
        text
    }
}

/// The parser's message made plain, and the field path it is about: the first paragraph only
/// (`erased_serde` appends `in `field`` notes), plugin-selection messages in the words of a
/// config, and a missing field added to the path.
pub(crate) fn explain(raw: &str, mut segments: Vec<PathPart>) -> (String, Vec<PathPart>) {
    let mut message = first_paragraph(raw);
    // A plugin with its own deserializer may start its message with the path below its field
    // (`objectives[1]: ...`): continue the path with it.
    if let Some((prefix, rest)) = message.split_once(": ")
        && let Some(PathPart::Key(last)) = segments.last()
        && !prefix.contains(' ')
        && prefix.len() > last.len()
        && prefix.starts_with(last.as_str())
        && matches!(prefix.as_bytes()[last.len()], b'[' | b'.')
    {
        segments.pop();
        segments.extend(PathPart::parse_dotted(prefix));
        message = rest.to_string();
    }
    if let Some(field) = between(&message, "unknown field `", "`")
        && segments.last() != Some(&PathPart::Key(field.to_string()))
    {
        segments.push(PathPart::Key(field.to_string()));
    }
    if let Some(field) = between(&message, "missing field `", "`") {
        segments.push(PathPart::Key(field.to_string()));
        let message = if field == "type" {
            "missing: `type = \"...\"` names the plugin (`prefopt plugins` lists them)".to_string()
        } else {
            "missing: this field has no default, so the config must set it".to_string()
        };
        return (message, segments);
    }
    if let Some(rest) = message.strip_prefix("unknown variant ")
        && segments.last() == Some(&PathPart::Key("type".into()))
    {
        let rest = rest
            .replacen(", expected one of ", "; registered: ", 1)
            .replacen(", expected ", "; registered: ", 1);
        return (format!("no plugin of this kind is called {rest}"), segments);
    }
    if let Some(plugin_trait) = between(&message, "expected dyn ", "") {
        let found = between(&message, "invalid type: ", ",").unwrap_or("another value");
        return (
            format!(
                "expected a table selecting a {plugin_trait} plugin with `type = \"...\"` \
                 (`prefopt plugins` lists them), found {found}"
            ),
            segments,
        );
    }
    (plain_types(&message), segments)
}

/// Rust type names in serde's `expected ...` as config words.
fn plain_types(message: &str) -> String {
    let Some((head, expected)) = message.rsplit_once(", expected ") else {
        return message.to_string();
    };
    let plain = match expected {
        "f64" | "f32" => "a number",
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number >= 0",
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number",
        "a boolean" | "bool" => "true or false",
        other => other,
    };
    format!("{head}, expected {plain}")
}

/// The text between `start` and the next `end` (the rest of the text when `end` is empty).
fn between<'t>(text: &'t str, start: &str, end: &str) -> Option<&'t str> {
    let from = text.find(start)? + start.len();
    let rest = &text[from..];
    if end.is_empty() {
        return Some(rest);
    }
    rest.find(end).map(|to| &rest[..to])
}

pub(crate) fn first_paragraph(message: &str) -> String {
    message
        .split("\n")
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_paths_round_trip() {
        let parts = PathPart::parse_dotted("algorithm.objective.terms[1].beta");
        assert_eq!(
            parts,
            vec![
                PathPart::Key("algorithm".into()),
                PathPart::Key("objective".into()),
                PathPart::Key("terms".into()),
                PathPart::Index(1),
                PathPart::Key("beta".into()),
            ]
        );
        assert_eq!(
            PathPart::dotted(&parts),
            "algorithm.objective.terms[1].beta"
        );
    }

    #[test]
    fn messages_speak_of_configs() {
        let (message, path) = explain(
            "invalid type: string \"dpo\", expected dyn PreferenceObjective\n\nin `objective`",
            vec![PathPart::Key("objective".into())],
        );
        assert!(
            message.starts_with("expected a table selecting a PreferenceObjective"),
            "{message}"
        );
        assert!(message.ends_with("found string \"dpo\""), "{message}");
        assert_eq!(path.len(), 1);
        let (message, path) = explain(
            "objectives[1]: unknown field `betx`, expected `beta`",
            vec![PathPart::Key("objectives".into())],
        );
        assert_eq!(PathPart::dotted(&path), "objectives[1].betx");
        assert!(message.starts_with("unknown field `betx`"), "{message}");
        let (message, path) = explain("missing field `steps`", vec![]);
        assert_eq!(PathPart::dotted(&path), "steps");
        assert!(message.starts_with("missing"), "{message}");
        assert_eq!(
            plain_types("invalid type: string \"x\", expected u64"),
            "invalid type: string \"x\", expected a whole number >= 0"
        );
    }
}
