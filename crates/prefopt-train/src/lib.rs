//! # prefopt-train
//!
//! The loops of prefopt: offline preference training for any registered objective
//! ([`Offline`]), evaluation against a task's known answer, metric sinks (JSONL, memory), the run
//! directory ([`run_experiment`]) and plots (SVG and PNG).

pub mod evaluate;
pub mod offline;
pub mod optimizer;
pub mod pairs;
pub mod plot;
pub mod run;
pub mod run_plots;
pub mod sink;

pub use offline::Offline;
pub use run::{RunOptions, RunSummary, run_experiment};
pub use sink::{JsonlSink, MemorySink, Tee};
