//! Python's `json.dumps` writes `NaN`, `Infinity` and `-Infinity` for non-finite floats; JSON
//! has no such values, so serde_json rejects the line. To name the field that holds one, such
//! text is read a second time with each of them turned into a marker string.

use serde_json::Value;

/// The marker a non-finite literal becomes: a string no real data begins with.
const MARKER: &str = "\u{0}prefopt-non-finite:";

/// `text` with every `NaN`, `Infinity` and `-Infinity` outside strings turned into a marker
/// string, or `None` when there is none.
pub(crate) fn mark_non_finite(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 32);
    let mut found = false;
    let mut in_string = false;
    let mut escaped = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        let literal = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|literal| rest.starts_with(literal));
        if let Some(literal) = literal {
            out.push('"');
            out.push_str(&MARKER.replace('\u{0}', "\\u0000"));
            out.push_str(literal);
            out.push('"');
            rest = &rest[literal.len()..];
            found = true;
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    found.then_some(out)
}

/// The field path (`weight`, `chosen[1].content`) and literal of the first marker in `value`.
pub(crate) fn find_marker(value: &Value) -> Option<(String, String)> {
    match value {
        Value::String(text) => text
            .strip_prefix(MARKER)
            .map(|literal| (String::new(), literal.to_string())),
        Value::Array(items) => items.iter().enumerate().find_map(|(index, item)| {
            find_marker(item).map(|(path, literal)| (join(&format!("[{index}]"), &path), literal))
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            find_marker(item).map(|(path, literal)| (join(key, &path), literal))
        }),
        _ => None,
    }
}

/// `parent` then `child` as a field path: `a` + `b` = `a.b`, `a` + `[1]` = `a[1]`.
fn join(parent: &str, child: &str) -> String {
    if child.is_empty() || child.starts_with('[') {
        format!("{parent}{child}")
    } else {
        format!("{parent}.{child}")
    }
}

/// The problem a marker stands for, as a field error says it.
pub(crate) fn non_finite_problem(literal: &str) -> String {
    format!(
        ": found {literal}, which is not JSON (Python's json.dumps writes it for a non-finite float): expected a finite number"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_literals_outside_strings_only() {
        let text = r#"{"a": "NaN \" Infinity", "weight": NaN, "b": [1, -Infinity]}"#;
        let marked = mark_non_finite(text).unwrap();
        let value: Value = serde_json::from_str(&marked).unwrap();
        assert_eq!(value["a"], "NaN \" Infinity");
        let (path, literal) = find_marker(&value["weight"]).unwrap();
        assert_eq!((path.as_str(), literal.as_str()), ("", "NaN"));
        let (path, literal) = find_marker(&serde_json::json!({"b": value["b"].clone()})).unwrap();
        assert_eq!((path.as_str(), literal.as_str()), ("b[1]", "-Infinity"));
        assert_eq!(mark_non_finite(r#"{"a": "NaN"}"#), None);
        let value: Value =
            serde_json::from_str(&mark_non_finite(r#"{"chosen": [{"w": Infinity}]}"#).unwrap())
                .unwrap();
        let (path, literal) = find_marker(&value).unwrap();
        assert_eq!(
            (path.as_str(), literal.as_str()),
            ("chosen[0].w", "Infinity")
        );
    }
}
