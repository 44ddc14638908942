//! # prefopt-train
//!
//! The loops of prefopt: offline preference training for any registered objective
//! ([`Offline`]), evaluation against a task's known answer, metric sinks (JSONL, memory), the run
//! directory ([`run_experiment`]) and plots (SVG and PNG).

pub mod adamw;
pub mod bench;
pub mod checkpoint;
pub mod clipping;
pub mod compare;
pub mod data_order;
pub mod evaluate;
pub mod evaluate_split;
pub mod lock;
pub mod offline;
pub mod offline_check;
pub mod offline_eval;
pub mod optimizer;
pub mod pairs;
pub mod plot;
pub mod reference_cache;
pub mod run;
pub mod run_dir;
pub mod run_plots;
pub mod sampled_eval;
pub mod schedule;
pub mod sink;
pub mod step_batches;

pub use offline::Offline;
pub use run::{RunOptions, RunOutcome, RunSummary, run_experiment};
pub use run_dir::StartMode;
pub use sink::{JsonlSink, MemorySink, Tee};
