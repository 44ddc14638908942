//! The readers: paired preference files, unpaired (KTO) files, and either, detected.

use super::error::{FieldError, PreferenceFileError, RecordLocation};
use super::fields::kind_name;
use super::formats::{PAIRED_FORMATS, PreferenceFormat, UNPAIRED_FORMATS, UnpairedFormat};
use super::load::{Entry, load_entries};
use super::record::{Content, PreferenceRecord, UnpairedRecord};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::Path;

/// What a reader does with a record it cannot use (a line that is not JSON, a missing or empty
/// field, a wrong role, identical completions, a bad weight).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnBadExample {
    /// Stop with an error naming the file, the record and the field.
    #[default]
    Error,
    /// Leave the record out, keeping its error so the skips can be counted and reported.
    Skip,
}

/// Which format a file is read in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// Detected from the first record's fields (with `skip`, the first record that has the
    /// fields of a known format).
    #[default]
    Auto,
    /// TRL's standard preference format (`prompt`, `chosen`, `rejected`), text or conversational.
    Standard,
    /// TRL's implicit prompt format (`chosen`, `rejected`).
    ImplicitPrompt,
    /// LLaMA-Factory's ShareGPT format (`conversations`, `chosen`, `rejected`).
    #[serde(rename = "sharegpt")]
    ShareGpt,
    /// TRL's unpaired preference format (`prompt`, `completion`, `label`).
    Unpaired,
    /// LLaMA-Factory's KTO format (`messages`, `label`).
    KtoMessages,
}

/// The usable records of a file, each with its location, and the errors of the records left out.
#[derive(Debug)]
pub struct FileRecords<R> {
    /// The records read, in file order.
    pub records: Vec<(RecordLocation, R)>,
    /// Why each skipped record was left out, in file order (empty unless skipping).
    pub skipped: Vec<PreferenceFileError>,
}

/// A file's records: preference pairs or unpaired completions.
#[derive(Debug)]
pub enum FileContents {
    /// Pairs of a chosen and a rejected completion.
    Paired {
        /// The format read.
        format: PreferenceFormat,
        /// The records.
        records: FileRecords<PreferenceRecord>,
    },
    /// Completions labelled desirable or undesirable.
    Unpaired {
        /// The format read.
        format: UnpairedFormat,
        /// The records.
        records: FileRecords<UnpairedRecord>,
    },
}

/// Reads a paired preference file (TRL's standard, implicit prompt or conversational format, or
/// LLaMA-Factory's ShareGPT format), JSON lines or a JSON array. The format is detected from the
/// first record; every record must match it, text or conversational as the first one is. The
/// first unusable record is an error.
pub fn read_preference_file(
    path: impl AsRef<Path>,
) -> Result<Vec<PreferenceRecord>, PreferenceFileError> {
    let path = path.as_ref();
    let (format, entries) = detect(
        path,
        load_entries(path)?,
        OnBadExample::Error,
        PreferenceFormat::detect,
        PAIRED_FORMATS,
    )?;
    let records = read_paired(path, entries, format, OnBadExample::Error)?;
    Ok(records.records.into_iter().map(|(_, r)| r).collect())
}

/// Reads an unpaired (KTO) preference file (TRL's unpaired format, text or conversational, or
/// LLaMA-Factory's KTO format of `messages` and `label`), JSON lines or a JSON array. The format
/// is detected from the first record; every record must match it. The first unusable record is
/// an error.
pub fn read_unpaired_file(
    path: impl AsRef<Path>,
) -> Result<Vec<UnpairedRecord>, PreferenceFileError> {
    let path = path.as_ref();
    let (format, entries) = detect(
        path,
        load_entries(path)?,
        OnBadExample::Error,
        UnpairedFormat::detect,
        UNPAIRED_FORMATS,
    )?;
    let records = read_unpaired(path, entries, format, OnBadExample::Error)?;
    Ok(records.records.into_iter().map(|(_, r)| r).collect())
}

/// Reads a paired or unpaired file in `format` (detected with [`FileFormat::Auto`]: paired
/// formats first, then unpaired ones). With [`OnBadExample::Skip`] unusable records are left
/// out and their errors returned in [`FileRecords::skipped`]; a file with no usable record is
/// [`PreferenceFileError::NothingUsable`].
pub fn read_file(
    path: impl AsRef<Path>,
    format: FileFormat,
    on_bad: OnBadExample,
) -> Result<FileContents, PreferenceFileError> {
    let path = path.as_ref();
    let entries = load_entries(path)?;
    let detected = match format {
        FileFormat::Standard => Detected::Paired(PreferenceFormat::Standard),
        FileFormat::ImplicitPrompt => Detected::Paired(PreferenceFormat::ImplicitPrompt),
        FileFormat::ShareGpt => Detected::Paired(PreferenceFormat::ShareGpt),
        FileFormat::Unpaired => Detected::Unpaired(UnpairedFormat::Standard),
        FileFormat::KtoMessages => Detected::Unpaired(UnpairedFormat::Messages),
        FileFormat::Auto => {
            let any = |record: &Map<String, Value>| {
                PreferenceFormat::detect(record)
                    .map(Detected::Paired)
                    .or_else(|| UnpairedFormat::detect(record).map(Detected::Unpaired))
            };
            let expected = format!("{PAIRED_FORMATS}, or {UNPAIRED_FORMATS}");
            let (detected, entries) = detect(path, entries, on_bad, any, &expected)?;
            return read_detected(path, entries, detected, on_bad);
        }
    };
    read_detected(path, entries, detected, on_bad)
}

fn read_detected(
    path: &Path,
    entries: Vec<Entry>,
    detected: Detected,
    on_bad: OnBadExample,
) -> Result<FileContents, PreferenceFileError> {
    Ok(match detected {
        Detected::Paired(format) => FileContents::Paired {
            format,
            records: read_paired(path, entries, format, on_bad)?,
        },
        Detected::Unpaired(format) => FileContents::Unpaired {
            format,
            records: read_unpaired(path, entries, format, on_bad)?,
        },
    })
}

/// A detected format of either kind.
#[derive(Debug, Clone, Copy)]
enum Detected {
    Paired(PreferenceFormat),
    Unpaired(UnpairedFormat),
}

/// The format of the first record; with `Skip`, of the first record that has a known format's
/// fields (records before it are skipped when read). When the entries that decide are
/// themselves unusable, the error comes from them ([`entries_error`]).
fn detect<F: Copy>(
    path: &Path,
    entries: Vec<Entry>,
    on_bad: OnBadExample,
    detect: impl Fn(&Map<String, Value>) -> Option<F>,
    expected: &str,
) -> Result<(F, Vec<Entry>), PreferenceFileError> {
    let unknown =
        |at: RecordLocation, record: &Map<String, Value>| PreferenceFileError::UnknownFormat {
            path: path.to_path_buf(),
            at,
            expected: expected.to_string(),
            found: record.keys().cloned().collect::<Vec<_>>().join(", "),
        };
    let mut first_unknown = None;
    let mut stopped = false;
    for (at, entry) in &entries {
        match entry {
            Ok(record) => match detect(record) {
                Some(format) => return Ok((format, entries)),
                None if on_bad == OnBadExample::Error => return Err(unknown(*at, record)),
                None => {
                    first_unknown.get_or_insert_with(|| unknown(*at, record));
                }
            },
            Err(_) if on_bad == OnBadExample::Error => {
                stopped = true;
                break;
            }
            Err(_) => {}
        }
    }
    Err(first_unknown.unwrap_or_else(|| entries_error(path, entries, stopped)))
}

/// The error of `entries` that cannot be used: the first unusable entry's error when `first_only`
/// or when there is one entry, else [`PreferenceFileError::NothingUsable`] with it.
fn entries_error(path: &Path, entries: Vec<Entry>, first_only: bool) -> PreferenceFileError {
    let total = entries.len();
    let first = entries.into_iter().find_map(|(_, entry)| entry.err());
    match first {
        Some(first) if first_only || total == 1 => first,
        Some(first) => PreferenceFileError::NothingUsable {
            path: path.to_path_buf(),
            skipped: total,
            first: Box::new(first),
        },
        None => PreferenceFileError::Empty {
            path: path.to_path_buf(),
        },
    }
}

fn read_paired(
    path: &Path,
    entries: Vec<Entry>,
    format: PreferenceFormat,
    on_bad: OnBadExample,
) -> Result<FileRecords<PreferenceRecord>, PreferenceFileError> {
    read_entries(path, entries, on_bad, |record| {
        let parsed = format.parse(record)?;
        Ok((parsed.chosen.clone(), parsed))
    })
}

fn read_unpaired(
    path: &Path,
    entries: Vec<Entry>,
    format: UnpairedFormat,
    on_bad: OnBadExample,
) -> Result<FileRecords<UnpairedRecord>, PreferenceFileError> {
    read_entries(path, entries, on_bad, |record| {
        let parsed = format.parse(record)?;
        Ok((parsed.completion.clone(), parsed))
    })
}

/// Every entry parsed by `parse`, which also returns the completion whose kind (text or
/// messages) every record must share with the first usable one.
fn read_entries<R>(
    path: &Path,
    entries: Vec<Entry>,
    on_bad: OnBadExample,
    parse: impl Fn(&Map<String, Value>) -> Result<(Content, R), FieldError>,
) -> Result<FileRecords<R>, PreferenceFileError> {
    let total = entries.len();
    let mut first_kind: Option<bool> = None;
    let mut records = Vec::with_capacity(total);
    let mut skipped = Vec::new();
    for (at, entry) in entries {
        let parsed = entry.and_then(|record| {
            let (completion, parsed) = parse(&record).map_err(|e| e.locate(path, at))?;
            let kind = completion.is_conversational();
            match first_kind {
                Some(first) if first != kind => Err(mixed(first, &completion).locate(path, at)),
                _ => Ok((kind, parsed)),
            }
        });
        match parsed {
            Ok((kind, parsed)) => {
                first_kind.get_or_insert(kind);
                records.push((at, parsed));
            }
            Err(error) if on_bad == OnBadExample::Skip => skipped.push(error),
            Err(error) => return Err(error),
        }
    }
    if records.is_empty() {
        let first = skipped.into_iter().next().map(Box::new);
        return Err(match first {
            Some(first) => PreferenceFileError::NothingUsable {
                path: path.to_path_buf(),
                skipped: total,
                first,
            },
            None => PreferenceFileError::Empty {
                path: path.to_path_buf(),
            },
        });
    }
    Ok(FileRecords { records, skipped })
}

/// A record whose completions are not of the kind of the first record's.
fn mixed(first_conversational: bool, completion: &Content) -> FieldError {
    FieldError::invalid(
        "(record)",
        format!(
            "mixed formats: expected completions as {} like the first record, found {}",
            if first_conversational {
                "a list of messages"
            } else {
                "a string"
            },
            kind_name(completion)
        ),
    )
}
