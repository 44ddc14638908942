//! A progress bar on stderr for long runs.

use indicatif::{ProgressBar, ProgressStyle};
use prefopt::{MetricSink, MetricValues, PrefoptError};

/// Shows steps done, rate and the latest loss; hidden when stderr is not a terminal.
pub struct ProgressSink {
    bar: Option<ProgressBar>,
}

impl ProgressSink {
    /// A bar that appears on the first progress report.
    pub fn new() -> Self {
        Self { bar: None }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl MetricSink for ProgressSink {
    fn log(&mut self, _step: usize, values: &MetricValues) -> Result<(), PrefoptError> {
        if let (Some(bar), Some((_, loss))) = (&self.bar, values.iter().find(|(n, _)| n == "loss"))
        {
            bar.set_message(format!("loss {loss:.4}"));
        }
        Ok(())
    }

    fn progress(&mut self, done: usize, total: usize) {
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
