//! The `prefopt` command, run as a subprocess: one test binary for every command.

mod common;
#[path = "../../prefopt-models/tests/support/tiny_tokenizer.rs"]
mod tiny_tokenizer;

mod bench;
mod export_lora;
mod language_model;
mod objective_eval;
mod plot_command;
mod run_command;
mod signals;
