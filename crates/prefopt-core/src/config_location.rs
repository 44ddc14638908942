//! Config errors located in their file: the line and column of the offending value, its dotted
//! field path, and what was expected.
//!
//! The TOML text is parsed once into a table that keeps every key's and value's byte span
//! (`toml::de::DeTable`). Deserialization runs over that table through `serde_path_to_error`,
//! which records the field path of a failure; in every table that selects a plugin the `type`
//! key is moved first, so that `typetag` reads the plugin's fields straight from the table
//! rather than from a buffer that forgets where they came from. A field path, from a parse
//! failure or from a `validate()`, is then looked up in the spanned table.

use crate::PrefoptError;
use crate::config_path::{PathPart, explain, first_paragraph};
use serde::de::DeserializeOwned;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A config error with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: line {line}, column {column}: {}", .file.display(), self.what())]
pub struct LocatedConfigError {
    /// The config file.
    pub file: PathBuf,
    /// 1-based line of the offending value (or of its section when the value is missing).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The dotted field path, e.g. `algorithm.objective.beta` (empty for a syntax error).
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl LocatedConfigError {
    /// `` `field`: message ``, or the message alone when there is no field.
    fn what(&self) -> String {
        if self.field.is_empty() {
            self.message.clone()
        } else {
            format!("`{}`: {}", self.field, self.message)
        }
    }
}

impl From<LocatedConfigError> for PrefoptError {
    fn from(error: LocatedConfigError) -> Self {
        PrefoptError::Parse {
            message: format!(
                "line {}, column {}: {}",
                error.line,
                error.column,
                error.what()
            ),
            path: error.file,
        }
    }
}

/// A parsed config text that can locate field paths.
pub(crate) struct ConfigDocument<'a> {
    text: &'a str,
    file: &'a Path,
    root: DeTable<'a>,
}

impl<'a> ConfigDocument<'a> {
    /// Parses TOML `text` (`file` names it in errors); syntax errors are located by the parser.
    pub(crate) fn parse(text: &'a str, file: &'a Path) -> Result<Self, LocatedConfigError> {
        let root = DeTable::parse(text).map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            let (line, column) = line_column(text, offset);
            LocatedConfigError {
                file: file.to_path_buf(),
                line,
                column,
                field: String::new(),
                message: first_paragraph(error.message()),
            }
        })?;
        Ok(Self {
            text,
            file,
            root: root.into_inner(),
        })
    }

    /// Deserializes the whole document; a failure is located at the offending value.
    pub(crate) fn deserialize<T: DeserializeOwned>(&self) -> Result<T, LocatedConfigError> {
        let mut root = self.root.clone();
        type_first(&mut root);
        let deserializer = toml::de::Deserializer::from(Spanned::new(0..0, root));
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let segments: Vec<PathPart> = error.path().iter().filter_map(PathPart::of).collect();
            let (message, segments) = explain(error.inner().message(), segments);
            let place = self.place_of(&segments);
            let span = match (&place, error.inner().span()) {
                (Place::Found { key, value }, _) => {
                    if message.starts_with("unknown field") {
                        key.clone()
                    } else {
                        value.clone()
                    }
                }
                // The parser's own span, when it is more precise than the deepest section.
                (Place::Missing { within }, Some(span)) if span.start > within.start => span,
                (Place::Missing { within }, _) => within.clone(),
            };
            self.error_at(span, &segments, message)
        })
    }

    /// Locates a dotted field path (`algorithm.objective.beta`, `terms[1].weight`) from a
    /// `validate()` error. A field not written in the file (a default) is located at its
    /// section, and the message says so.
    pub(crate) fn locate_field(&self, field: &str, message: &str) -> LocatedConfigError {
        let segments = PathPart::parse_dotted(field);
        match self.place_of(&segments) {
            Place::Found { value, .. } => self.error_at(value, &segments, message.to_string()),
            Place::Missing { within } => self.error_at(
                within,
                &segments,
                format!("{message} (not set in the file: this is the default)"),
            ),
        }
    }

    fn error_at(
        &self,
        span: Range<usize>,
        segments: &[PathPart],
        message: String,
    ) -> LocatedConfigError {
        let (line, column) = line_column(self.text, span.start);
        LocatedConfigError {
            file: self.file.to_path_buf(),
            line,
            column,
            field: PathPart::dotted(segments),
            message,
        }
    }

    /// Where `segments` lead in the document: the key and value they name, or the deepest
    /// section on the way when the path leaves the document (a `[section]` header's span is
    /// the header).
    fn place_of(&self, segments: &[PathPart]) -> Place {
        let mut within = 0..0;
        let mut table = Some(&self.root);
        let mut value: Option<&DeValue<'_>> = None;
        let mut key_span = 0..0;
        for segment in segments {
            let next = match segment {
                PathPart::Key(key) => table
                    .and_then(|t| t.iter().find(|(k, _)| k.get_ref() == key))
                    .map(|(k, v)| (k.span(), v)),
                PathPart::Index(index) => value
                    .and_then(DeValue::as_array)
                    .and_then(|items| items.get(*index))
                    .map(|item| (item.span(), item)),
            };
            let Some((key, next)) = next else {
                return Place::Missing { within };
            };
            within = next.span();
            key_span = key;
            value = Some(next.get_ref());
            table = next.get_ref().as_table();
        }
        Place::Found {
            key: key_span,
            value: within,
        }
    }
}

/// Where a field path leads in a document.
enum Place {
    /// The path names this key and value.
    Found {
        key: Range<usize>,
        value: Range<usize>,
    },
    /// The path leaves the document inside this section.
    Missing { within: Range<usize> },
}

/// Moves the `type` key first in every table, recursively: `typetag` then deserializes the
/// plugin's fields from the table itself, so their paths and spans are kept.
fn type_first(table: &mut DeTable<'_>) {
    let mut old = std::mem::take(table);
    if let Some((key, value)) = old.remove_entry("type") {
        table.insert(key, value);
    }
    for (key, mut value) in old {
        type_first_in(value.get_mut());
        table.insert(key, value);
    }
    if let Some(value) = table.get_mut("type") {
        type_first_in(value.get_mut());
    }
}

fn type_first_in(value: &mut DeValue<'_>) {
    match value {
        DeValue::Table(table) => type_first(table),
        DeValue::Array(items) => {
            for item in items.iter_mut() {
                type_first_in(item.get_mut());
            }
        }
        _ => {}
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_from_one_in_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, text.find("\"x\"").unwrap()), (2, 6));
    }

    #[test]
    fn fields_are_found_in_tables_and_arrays_of_tables() {
        let text = "[a]\nx = 1\n[[a.items]]\ny = 2\n[[a.items]]\ny = 3\n";
        let document = ConfigDocument::parse(text, Path::new("t.toml")).unwrap();
        let error = document.locate_field("a.items[1].y", "bad");
        assert_eq!((error.line, error.column), (6, 5));
        let error = document.locate_field("a.x", "bad");
        assert_eq!((error.line, error.column), (2, 5));
        let error = document.locate_field("a.z", "bad");
        assert_eq!((error.line, error.column), (1, 1));
        assert!(error.message.contains("default"), "{}", error.message);
    }
}
