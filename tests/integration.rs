//! Whole runs through the library: training, resume, run directories, config errors and RLHF: one
//! test binary. The conformance suite is its own target so the libtorch build can run it alone.

mod finite_task;
mod support;

mod bandit_optimum;
mod config_errors;
mod deterministic_preferences;
mod finite_evaluation_and_resume;
mod finite_training;
mod lm_objectives;
mod resume;
mod rlhf_bandit;
mod rlhf_lm;
mod run_directories;
mod self_contained;
mod train_defaults;
