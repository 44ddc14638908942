//! Objective test vectors: loss values and metrics computed by a reference implementation (TRL's
//! `DPOTrainer`), in the format of `tests/data/golden/trl_pairwise_losses.json`, and their
//! evaluation. Shared by the golden tests and `prefopt objective eval`.
//!
//! A file is `{"source": "...", "cases": [case, ...]}`; a case is `{"name", "objective": TRL
//! settings, "inputs": {per-sequence values}, "expected": {metric: value}}` (see [`VectorCase`]). Each case's objective is TRL's settings, evaluated through the
//! [`Trl`](crate::Trl) objective.

mod evaluate;
mod format;

pub use evaluate::{CaseResult, Report, Tolerance, ValueResult, evaluate, evaluate_file};
pub use format::{VectorCase, VectorError, VectorFile, VectorInputs};
