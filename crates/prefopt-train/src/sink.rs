//! Metric sinks: a JSONL file, memory, and a tee.

use prefopt_core::{MetricSink, MetricValues, PrefoptError};
use serde_json::{Map, Value};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// One logged step as a JSON object: `{"step": N, "name": value, ...}` (non-finite values become
/// `null`).
pub fn record(step: usize, values: &MetricValues) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("step".into(), Value::from(step));
    for (name, value) in values {
        object.insert(name.clone(), json_number(*value));
    }
    object
}

/// One line of `metrics.jsonl` back as `(step, values)` (`null` as NaN); `None` when the line
/// is not a complete record.
pub fn parse_record(line: &str) -> Option<(usize, MetricValues)> {
    let Value::Object(object) = serde_json::from_str(line).ok()? else {
        return None;
    };
    let step = usize::try_from(object.get("step")?.as_u64()?).ok()?;
    let values = object
        .into_iter()
        .filter(|(name, _)| name != "step")
        .map(|(name, value)| (name, value.as_f64().unwrap_or(f64::NAN)))
        .collect();
    Some((step, values))
}

/// A finite `f64` as a JSON number, anything else as `null`.
pub fn json_number(value: f64) -> Value {
    serde_json::Number::from_f64(value).map_or(Value::Null, Value::Number)
}

/// Appends one JSON object per logged step to a file (`metrics.jsonl`), flushed per line.
#[derive(Debug)]
pub struct JsonlSink {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl JsonlSink {
    /// Opens the log of a run resumed at step `resume_step`: keeps the records of earlier steps
    /// (rewriting the file atomically without the later ones, which the resumed run logs again,
    /// and without a line cut short by a killed process), returns them, and appends from there.
    pub fn resume(
        path: &Path,
        resume_step: usize,
    ) -> Result<(Self, Vec<(usize, MetricValues)>), PrefoptError> {
        let io = |source| PrefoptError::Io {
            path: path.to_path_buf(),
            source,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(error) => return Err(io(error)),
        };
        let mut kept = String::new();
        let mut records = Vec::new();
        for line in text.lines() {
            let Some((step, values)) = parse_record(line) else {
                continue;
            };
            if step < resume_step {
                kept.push_str(line);
                kept.push('\n');
                records.push((step, values));
            }
        }
        prefopt_core::fs::write_atomic(path, kept.as_bytes())?;
        let file = OpenOptions::new().append(true).open(path).map_err(io)?;
        Ok((
            Self {
                path: path.to_path_buf(),
                writer: BufWriter::new(file),
            },
            records,
        ))
    }

    /// Creates (truncates) the file.
    pub fn create(path: &Path) -> Result<Self, PrefoptError> {
        let file = File::create(path).map_err(|source| PrefoptError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            writer: BufWriter::new(file),
        })
    }
}

impl MetricSink for JsonlSink {
    fn log(&mut self, step: usize, values: &MetricValues) -> Result<(), PrefoptError> {
        let line = Value::Object(record(step, values)).to_string();
        writeln!(self.writer, "{line}")
            .and_then(|()| self.writer.flush())
            .map_err(|source| PrefoptError::Io {
                path: self.path.clone(),
                source,
            })
    }
}

/// Keeps every logged step in memory (for tests, plots and library users).
#[derive(Debug, Default, Clone)]
pub struct MemorySink {
    /// `(step, values)` in the order logged.
    pub records: Vec<(usize, MetricValues)>,
}

impl MemorySink {
    /// Every `(step, value)` of the metric `name`.
    pub fn series(&self, name: &str) -> Vec<(f64, f64)> {
        self.records
            .iter()
            .filter_map(|(step, values)| {
                values
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| (*step as f64, *v))
            })
            .collect()
    }
}

impl MetricSink for MemorySink {
    fn log(&mut self, step: usize, values: &MetricValues) -> Result<(), PrefoptError> {
        self.records.push((step, values.clone()));
        Ok(())
    }
}

/// Sends everything to several sinks.
pub struct Tee<'a>(pub Vec<&'a mut dyn MetricSink>);

impl MetricSink for Tee<'_> {
    fn log(&mut self, step: usize, values: &MetricValues) -> Result<(), PrefoptError> {
        self.0
            .iter_mut()
            .try_for_each(|sink| sink.log(step, values))
    }

    fn progress(&mut self, done: usize, total: usize) {
        for sink in &mut self.0 {
            sink.progress(done, total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resuming_keeps_earlier_steps_and_drops_later_and_cut_lines() {
        let dir = std::env::temp_dir().join(format!("prefopt-sink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("metrics.jsonl");
        let text = "{\"step\":0,\"loss\":1.0}\n{\"step\":10,\"loss\":0.5,\"kl\":null}\n\
                    {\"step\":20,\"loss\":0.25}\n{\"step\":30,\"lo";
        std::fs::write(&path, text).unwrap();
        let (mut sink, records) = JsonlSink::resume(&path, 15).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0], (0, vec![("loss".to_string(), 1.0)]));
        assert_eq!(records[1].0, 10);
        assert!(records[1].1.iter().any(|(n, v)| n == "kl" && v.is_nan()));
        sink.log(15, &vec![("loss".into(), 0.4)]).unwrap();
        let lines: Vec<String> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(parse_record(&lines[2]).unwrap().0, 15);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
