//! The two readers: paired preference files and unpaired (KTO) files.

use super::error::{FieldError, PreferenceFileError};
use super::fields::kind_name;
use super::formats::{PAIRED_FORMATS, PreferenceFormat, UNPAIRED_FORMATS, UnpairedFormat};
use super::load::{RawRecord, load_records};
use super::record::{Content, PreferenceRecord, UnpairedRecord};
use std::path::Path;

/// Reads a paired preference file (TRL's standard, implicit prompt or conversational format, or
/// LLaMA-Factory's ShareGPT format), JSON lines or a JSON array. The format is detected from the
/// first record; every record must match it, text or conversational as the first one is.
pub fn read_preference_file(
    path: impl AsRef<Path>,
) -> Result<Vec<PreferenceRecord>, PreferenceFileError> {
    let path = path.as_ref();
    let records = load_records(path)?;
    let format = detect(path, &records, PreferenceFormat::detect, PAIRED_FORMATS)?;
    read_all(path, &records, |record| {
        let parsed = format.parse(record)?;
        Ok((parsed.chosen.clone(), parsed))
    })
}

/// Reads an unpaired (KTO) preference file (TRL's unpaired format, text or conversational, or
/// LLaMA-Factory's KTO format of `messages` and `label`), JSON lines or a JSON array. The format
/// is detected from the first record; every record must match it.
pub fn read_unpaired_file(
    path: impl AsRef<Path>,
) -> Result<Vec<UnpairedRecord>, PreferenceFileError> {
    let path = path.as_ref();
    let records = load_records(path)?;
    let format = detect(path, &records, UnpairedFormat::detect, UNPAIRED_FORMATS)?;
    read_all(path, &records, |record| {
        let parsed = format.parse(record)?;
        Ok((parsed.completion.clone(), parsed))
    })
}

/// The format of the first record (`records` is never empty: [`load_records`] rejects that).
fn detect<F: Copy>(
    path: &Path,
    records: &[RawRecord],
    detect: impl Fn(&serde_json::Map<String, serde_json::Value>) -> Option<F>,
    expected: &str,
) -> Result<F, PreferenceFileError> {
    let Some((at, first)) = records.first() else {
        return Err(PreferenceFileError::Empty {
            path: path.to_path_buf(),
        });
    };
    detect(first).ok_or_else(|| PreferenceFileError::UnknownFormat {
        path: path.to_path_buf(),
        at: *at,
        expected: expected.to_string(),
        found: first.keys().cloned().collect::<Vec<_>>().join(", "),
    })
}

/// Every record parsed by `parse`, which also returns the completion whose kind (text or
/// messages) every record must share with the first.
fn read_all<R>(
    path: &Path,
    records: &[RawRecord],
    parse: impl Fn(&serde_json::Map<String, serde_json::Value>) -> Result<(Content, R), FieldError>,
) -> Result<Vec<R>, PreferenceFileError> {
    let mut first_kind: Option<bool> = None;
    let mut out = Vec::with_capacity(records.len());
    for (at, record) in records {
        let (completion, parsed) = parse(record).map_err(|e| e.locate(path, *at))?;
        let kind = completion.is_conversational();
        match first_kind {
            None => first_kind = Some(kind),
            Some(first) if first != kind => {
                return Err(FieldError::invalid(
                    "(record)",
                    format!(
                        "mixed formats: expected completions as {} like the first record, found {}",
                        if first {
                            "a list of messages"
                        } else {
                            "a string"
                        },
                        kind_name(&completion)
                    ),
                )
                .locate(path, *at));
            }
            Some(_) => {}
        }
        out.push(parsed);
    }
    Ok(out)
}
