//! Metric sinks: a JSONL file, memory, and a tee.

use prefopt_core::{MetricSink, MetricValues, PrefoptError};
use serde_json::{Map, Value};
use std::fs::File;
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
