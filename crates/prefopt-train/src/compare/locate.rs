//! Where a field of a run's config was written: in its `[[method]]` entry, in the sweep's
//! shared sections, or in the base file, with line and column.

use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// A place in a file: 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: line {}, column {}",
            self.file.display(),
            self.line,
            self.column
        )
    }
}

/// One part of a field path: a key, or an index into an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// Splits a dotted field path (`algorithm.objective.beta`, `terms[1].weight`, `method[2]`).
pub fn parse_path(path: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let mut pieces = segment.split('[');
        if let Some(key) = pieces.next().filter(|k| !k.is_empty()) {
            parts.push(Part::Key(key.to_string()));
        }
        for index in pieces {
            if let Ok(index) = index.trim_end_matches(']').parse() {
                parts.push(Part::Index(index));
            }
        }
    }
    parts
}

/// A TOML file kept for locating keys in it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Its path.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
}

impl SourceFile {
    /// Reads `path`.
    pub fn read(path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            path: path.to_path_buf(),
            text: std::fs::read_to_string(path)?,
        })
    }

    /// Where `parts` lead in this file: the value they name (or its key, with `key`), if the
    /// file writes it.
    pub fn find(&self, parts: &[Part], key: bool) -> Option<Place> {
        let root = DeTable::parse(&self.text).ok()?.into_inner();
        let mut table = Some(&root);
        let mut value: Option<&DeValue<'_>> = None;
        let mut span = 0..0;
        for part in parts {
            let (key_span, next) = match part {
                Part::Key(name) => table?
                    .iter()
                    .find(|(k, _)| k.get_ref() == name)
                    .map(|(k, v)| (k.span(), v))?,
                Part::Index(index) => {
                    let item = value?.as_array()?.get(*index)?;
                    (item.span(), item)
                }
            };
            span = if key { key_span } else { next.span() };
            value = Some(next.get_ref());
            table = next.get_ref().as_table();
        }
        Some(self.place(span.start))
    }

    /// The place of byte `offset`.
    pub fn place(&self, offset: usize) -> Place {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        Place {
            file: self.path.clone(),
            line,
            column: self.text[start..offset].chars().count() + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_split_into_keys_and_indices() {
        assert_eq!(
            parse_path("method[2].algorithm.terms[1].weight"),
            vec![
                Part::Key("method".into()),
                Part::Index(2),
                Part::Key("algorithm".into()),
                Part::Key("terms".into()),
                Part::Index(1),
                Part::Key("weight".into()),
            ]
        );
    }

    #[test]
    fn keys_are_found_inside_arrays_of_tables() {
        let file = SourceFile {
            path: "s.toml".into(),
            text: "seeds = [0]\n[[method]]\nname = \"a\"\n[[method]]\nname = \"b\"\n[method.algorithm]\ntype = \"ppo\"\n"
                .into(),
        };
        let place = file
            .find(&parse_path("method[1].algorithm.type"), false)
            .unwrap();
        assert_eq!((place.line, place.column), (7, 8));
        let place = file
            .find(&parse_path("method[1].algorithm.type"), true)
            .unwrap();
        assert_eq!((place.line, place.column), (7, 1));
        assert!(
            file.find(&parse_path("method[0].algorithm"), false)
                .is_none()
        );
        assert!(file.find(&parse_path("method[5]"), false).is_none());
    }
}
