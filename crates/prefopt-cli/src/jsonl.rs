//! Reading JSON Lines input (one object per line) with errors that name the file and line, and
//! writing JSON Lines output to stdout or atomically to a file.

use anyhow::{Context, Result, anyhow};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One object of a JSONL file and where it came from.
pub struct JsonlObject {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// The object.
    pub object: Map<String, Value>,
}

impl JsonlObject {
    /// An error about this line: `FILE:LINE: message`.
    pub fn error(&self, message: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{}:{}: {message}", self.path.display(), self.line)
    }

    /// The string field `field`, when present (an error when present but not a string).
    pub fn optional_str(&self, field: &str) -> Result<Option<&str>> {
        match self.object.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(other) => Err(self.error(format!("`{field}` must be a string, got {other}"))),
        }
    }

    /// The token-id list `field`, when present (an error when present but not a list of
    /// non-negative integers below 2^32).
    pub fn optional_ids(&self, field: &str) -> Result<Option<Vec<u32>>> {
        let Some(value) = self.object.get(field).filter(|value| !value.is_null()) else {
            return Ok(None);
        };
        value
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .map(|item| item.as_u64().and_then(|id| u32::try_from(id).ok()))
                    .collect::<Option<Vec<u32>>>()
            })
            .map(Some)
            .ok_or_else(|| {
                self.error(format!(
                    "`{field}` must be a list of token ids (integers), got {value}"
                ))
            })
    }
}

/// Every non-blank line of the JSONL file at `path`, each a JSON object.
pub fn read_objects(path: &Path) -> Result<Vec<JsonlObject>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut objects = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let location = || format!("{}:{}", path.display(), index + 1);
        let value: Value = serde_json::from_str(line)
            .map_err(|error| anyhow!("{}: not valid JSON: {error}", location()))?;
        let Value::Object(object) = value else {
            return Err(anyhow!(
                "{}: expected a JSON object, got {value}",
                location()
            ));
        };
        objects.push(JsonlObject {
            path: path.to_path_buf(),
            line: index + 1,
            object,
        });
    }
    if objects.is_empty() {
        return Err(anyhow!(
            "{}: no JSON lines (the file is empty)",
            path.display()
        ));
    }
    Ok(objects)
}

/// Where JSON lines go: stdout as they come, or a file written atomically at the end.
pub enum JsonlSink {
    /// Printed line by line.
    Stdout,
    /// Collected, then written to the file.
    File {
        /// The output file.
        path: PathBuf,
        /// The lines so far.
        text: String,
    },
}

impl JsonlSink {
    /// A sink writing to `output`, or to stdout without one.
    pub fn new(output: Option<&Path>) -> Self {
        match output {
            Some(path) => Self::File {
                path: path.to_path_buf(),
                text: String::new(),
            },
            None => Self::Stdout,
        }
    }

    /// Adds one line.
    pub fn push(&mut self, value: &Value) -> Result<()> {
        let line = serde_json::to_string(value)?;
        match self {
            Self::Stdout => {
                let mut stdout = std::io::stdout().lock();
                writeln!(stdout, "{line}")?;
                stdout.flush()?;
            }
            Self::File { text, .. } => {
                text.push_str(&line);
                text.push('\n');
            }
        }
        Ok(())
    }

    /// Writes the file (atomically), if there is one.
    pub fn finish(self) -> Result<()> {
        if let Self::File { path, text } = self {
            prefopt::fs::write_atomic(&path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        Ok(())
    }
}
