//! Progress of a run: a bar on a terminal, log lines otherwise.

use indicatif::{ProgressBar, ProgressStyle};
use prefopt::{MetricSink, MetricValues, PrefoptError};
use std::time::{Duration, Instant};
use tracing::info;

/// How often a progress line is logged when there is no bar.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

/// Shows steps done, rate and the latest loss: as a bar on an interactive terminal, otherwise as
/// an `info` log line at most every [`LOG_EVERY`] (so a long step, or a run whose stderr goes to
/// a file or a JSON log, still shows that it moves).
pub struct ProgressSink {
    interactive: bool,
    bar: Option<ProgressBar>,
    log_every: Duration,
    started: Instant,
    last_line: Option<Instant>,
    loss: Option<f64>,
}

impl ProgressSink {
    /// A bar (`interactive`), or log lines at most every `log_every` ([`LOG_EVERY`] in the
    /// command).
    pub fn new(interactive: bool, log_every: Duration) -> Self {
        Self {
            interactive,
            bar: None,
            log_every,
            started: Instant::now(),
            last_line: None,
            loss: None,
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Whether a log line is due at `now`: `log_every` after the previous line, or
    /// after the start for the first.
    fn line_due(&self, now: Instant) -> bool {
        now.duration_since(self.last_line.unwrap_or(self.started)) >= self.log_every
    }

    fn log_line(&mut self, done: usize, total: usize) {
        let now = Instant::now();
        if !self.line_due(now) {
            return;
        }
        self.last_line = Some(now);
        let seconds = now.duration_since(self.started).as_secs_f64();
        let rate = done as f64 / seconds.max(1e-9);
        let left = total.saturating_sub(done) as f64 / rate.max(1e-12);
        info!(
            step = done,
            total,
            percent = (100 * done / total.max(1)) as u64,
            steps_per_second = format!("{rate:.3}"),
            seconds_left = left.round(),
            loss = self.loss,
            "progress"
        );
    }
}

impl MetricSink for ProgressSink {
    fn log(&mut self, _step: usize, values: &MetricValues) -> Result<(), PrefoptError> {
        if let Some((_, loss)) = values.iter().find(|(n, _)| n == "loss") {
            self.loss = Some(*loss);
            if let Some(bar) = &self.bar {
                bar.set_message(format!("loss {loss:.4}"));
            }
        }
        Ok(())
    }

    fn progress(&mut self, done: usize, total: usize) {
        if !self.interactive {
            self.log_line(done, total);
            return;
        }
        let bar = self.bar.get_or_insert_with(|| {
            let bar = ProgressBar::new(total as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} steps ({per_sec}) {msg}",
                )
                .expect("valid template"),
            );
            bar
        });
        bar.set_position(done as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    /// Collects what a subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn lines_logged(sink: &mut ProgressSink, steps: usize) -> Vec<String> {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            for done in 1..=steps {
                sink.log(done, &vec![("loss".into(), 0.5)]).unwrap();
                sink.progress(done, steps);
            }
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn without_a_terminal_progress_is_logged_as_json_lines() {
        let mut sink = ProgressSink::new(false, Duration::ZERO);
        let lines = lines_logged(&mut sink, 3);
        assert_eq!(lines.len(), 3, "{lines:?}");
        for (i, line) in lines.iter().enumerate() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(record["fields"]["message"], "progress", "{line}");
            assert_eq!(record["fields"]["step"], i + 1, "{line}");
            assert_eq!(record["fields"]["total"], 3, "{line}");
            assert_eq!(record["fields"]["loss"], 0.5, "{line}");
        }
    }

    #[test]
    fn lines_are_spaced_by_the_interval() {
        let mut sink = ProgressSink::new(false, Duration::from_secs(3600));
        assert!(lines_logged(&mut sink, 50).is_empty());
        let now = Instant::now();
        assert!(!sink.line_due(now));
        assert!(sink.line_due(now + Duration::from_secs(3601)));
    }
}
