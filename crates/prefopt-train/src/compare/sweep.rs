//! The sweep file (`SWEEP.toml`): a base experiment config, seeds, and `[[method]]` entries.

use super::locate::{SourceFile, parse_path};
use super::merge::deep_merge;
use prefopt_core::PrefoptError;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// The keys of a sweep file that are not part of the base experiment config.
const SWEEP_KEYS: [&str; 4] = ["base", "seeds", "method", "title"];

/// One `[[method]]` entry: a name, the config it merges over the base, and the swept coefficient.
#[derive(Debug, Clone)]
pub struct Method {
    /// Its position among the `[[method]]` entries (from 0).
    pub index: usize,
    /// Its name: the first directory level of its runs, its series in the plot.
    pub name: String,
    /// The partial config merged over the base (the entry without `name` and `vary`).
    pub overrides: Table,
    /// The swept key path and its values (`vary = { "algorithm.kl_coef" = [0.1, 0.5] }`).
    pub vary: Option<(String, Vec<Value>)>,
}

/// A parsed sweep file.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The sweep file.
    pub file: SourceFile,
    /// The base file named by `base`, when there is one.
    pub base_file: Option<SourceFile>,
    /// The config shared by every run: the base file with the sweep's own sections merged over.
    pub base: Table,
    /// The seeds every (method, value) runs with.
    pub seeds: Vec<u64>,
    /// The methods, in order.
    pub methods: Vec<Method>,
    /// The plot's title (`title = "..."`), if given.
    pub title: Option<String>,
}

impl Sweep {
    /// Reads and parses a sweep file; `base = "file.toml"` is read relative to its directory.
    pub fn load(path: &Path) -> Result<Self, PrefoptError> {
        let file = SourceFile::read(path).map_err(|source| PrefoptError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(file)
    }

    /// Parses a sweep file's text. Errors name the file, the line, and the entry.
    pub fn parse(file: SourceFile) -> Result<Self, PrefoptError> {
        let mut table: Table = file.text.parse().map_err(|error: toml::de::Error| {
            parse_error(&file.path, error.to_string().trim().to_string())
        })?;
        let err = |path: &str, message: String| located(&file, path, message);
        let base_file = match table.remove("base") {
            None => None,
            Some(Value::String(name)) => {
                let dir = file.path.parent().unwrap_or(Path::new(""));
                let base_path = dir.join(prefopt_core::expand_user_path(Path::new(&name))?);
                Some(SourceFile::read(&base_path).map_err(|source| {
                    err(
                        "base",
                        format!(
                            "cannot read the base config {}: {source}",
                            base_path.display()
                        ),
                    )
                })?)
            }
            Some(other) => {
                return Err(err(
                    "base",
                    format!("expected a file name, got a {}", other.type_str()),
                ));
            }
        };
        let seeds = match table.remove("seeds") {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let mut seeds = Vec::new();
                for item in items {
                    match item.as_integer().and_then(|s| u64::try_from(s).ok()) {
                        Some(seed) => seeds.push(seed),
                        None => {
                            return Err(err("seeds", format!("expected seeds >= 0, got {item}")));
                        }
                    }
                }
                seeds
            }
            Some(other) => {
                return Err(err(
                    "seeds",
                    format!("expected an array of seeds, got a {}", other.type_str()),
                ));
            }
        };
        let title = match table.remove("title") {
            None => None,
            Some(Value::String(title)) => Some(title),
            Some(other) => {
                return Err(err(
                    "title",
                    format!("expected a string, got a {}", other.type_str()),
                ));
            }
        };
        let entries = match table.remove("method") {
            Some(Value::Array(entries)) if !entries.is_empty() => entries,
            _ => {
                return Err(parse_error(
                    &file.path,
                    "no `[[method]]` entries: a sweep needs at least one, each with a `name`, \
                     its config sections and optionally `vary = { \"algorithm.kl_coef\" = [...] }`"
                        .into(),
                ));
            }
        };
        let mut methods: Vec<Method> = Vec::new();
        for (index, entry) in entries.into_iter().enumerate() {
            let at = |key: &str| format!("method[{index}].{key}");
            let Value::Table(mut overrides) = entry else {
                return Err(err(&format!("method[{index}]"), "expected a table".into()));
            };
            let name = match overrides.remove("name") {
                Some(Value::String(name)) => name,
                _ => {
                    return Err(err(
                        &format!("method[{index}]"),
                        format!("method entry {} has no `name = \"...\"`", index + 1),
                    ));
                }
            };
            if name.is_empty()
                || name.starts_with('.')
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.+".contains(c))
            {
                return Err(err(
                    &at("name"),
                    format!(
                        "method name `{name}` names a directory: use letters, digits and - _ . +"
                    ),
                ));
            }
            if methods.iter().any(|m| m.name == name) {
                return Err(err(&at("name"), format!("a second method named `{name}`")));
            }
            let vary = match overrides.remove("vary") {
                None => None,
                Some(Value::Table(vary)) => {
                    if vary.len() != 1 {
                        return Err(err(
                            &at("vary"),
                            format!(
                                "method `{name}`: `vary` takes exactly one key path (the swept \
                                 coefficient), got {}",
                                vary.len()
                            ),
                        ));
                    }
                    let (key, values) = vary.into_iter().next().expect("one key");
                    match values {
                        Value::Array(values) if !values.is_empty() => Some((key, values)),
                        _ => {
                            return Err(err(
                                &at("vary"),
                                format!(
                                    "method `{name}`: `vary.\"{key}\"` must be a non-empty array of values"
                                ),
                            ));
                        }
                    }
                }
                Some(other) => {
                    return Err(err(
                        &at("vary"),
                        format!(
                            "method `{name}`: expected a table such as `vary = {{ \"algorithm.kl_coef\" = [0.1, 0.5] }}`, got a {}",
                            other.type_str()
                        ),
                    ));
                }
            };
            methods.push(Method {
                index,
                name,
                overrides,
                vary,
            });
        }
        let mut base = match &base_file {
            Some(base_file) => base_file.text.parse::<Table>().map_err(|error| {
                parse_error(&base_file.path, error.to_string().trim().to_string())
            })?,
            None => Table::new(),
        };
        deep_merge(&mut base, &table);
        for key in SWEEP_KEYS {
            base.remove(key);
        }
        let seeds = if seeds.is_empty() {
            let seed = base.get("seed").and_then(Value::as_integer).unwrap_or(0);
            vec![u64::try_from(seed).unwrap_or(0)]
        } else {
            seeds
        };
        Ok(Self {
            file,
            base_file,
            base,
            seeds,
            methods,
            title,
        })
    }

    /// The sweep file's name without its extension (the default output directory's name).
    pub fn stem(&self) -> String {
        self.file
            .path
            .file_stem()
            .map_or_else(|| "sweep".into(), |s| s.to_string_lossy().into_owned())
    }

    /// Where a field of `method`'s config is written: its entry, the sweep's shared sections, or
    /// the base file; the entry's header when the field is written nowhere (a default).
    pub fn place_of(&self, method: &Method, field: &str) -> String {
        let parts = parse_path(field);
        let in_entry = parse_path(&format!("method[{}].{field}", method.index));
        let vary_key = method.vary.as_ref().map(|(key, _)| key.as_str());
        if vary_key == Some(field) {
            let vary = parse_path(&format!("method[{}].vary", method.index));
            if let Some(place) = self.file.find(&vary, false) {
                return place.to_string();
            }
        }
        self.file
            .find(&in_entry, false)
            .or_else(|| self.file.find(&parts, false))
            .or_else(|| self.base_file.as_ref().and_then(|b| b.find(&parts, false)))
            .or_else(|| {
                self.file
                    .find(&parse_path(&format!("method[{}]", method.index)), false)
            })
            .map_or_else(|| self.file.path.display().to_string(), |p| p.to_string())
    }
}

/// An error in a sweep file with no better place than the file.
fn parse_error(path: &Path, message: String) -> PrefoptError {
    PrefoptError::Parse {
        path: path.to_path_buf(),
        message,
    }
}

/// An error at the dotted `path` of the sweep file (its line when found).
fn located(file: &SourceFile, path: &str, message: String) -> PrefoptError {
    match file.find(&parse_path(path), false) {
        Some(place) => PrefoptError::Parse {
            path: PathBuf::from(place.to_string()),
            message,
        },
        None => parse_error(&file.path, message),
    }
}
