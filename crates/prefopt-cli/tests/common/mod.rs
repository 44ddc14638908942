//! Shared by the `prefopt` binary's integration tests: running the binary and reading what it
//! writes.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `prefopt` binary with `args` (logging at `warn`) and waits for it to finish.
pub fn prefopt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_prefopt"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the prefopt binary runs")
}

/// `prefopt run CONFIG --out OUT`, then the `extra` arguments.
pub fn run_into(config: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    prefopt(&args)
}

/// The JSON document at `path`; panics, failing the test, when it is missing or malformed.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
