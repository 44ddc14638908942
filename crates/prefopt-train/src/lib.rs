//! # prefopt-train
//!
//! The loops of prefopt: offline preference training for any registered objective
//! ([`Offline`]), evaluation against a task's known answer, metric sinks (JSONL, memory), the run
//! directory ([`run_experiment`]) and plots (SVG and PNG).

pub mod checkpoint;
pub mod evaluate;
pub mod lock;
pub mod offline;
pub mod optimizer;
pub mod pairs;
pub mod plot;
pub mod run;
pub mod run_dir;
pub mod run_plots;
pub mod sink;

pub use offline::Offline;
pub use run::{RunOptions, RunOutcome, RunSummary, run_experiment};
pub use run_dir::StartMode;
pub use sink::{JsonlSink, MemorySink, Tee};
