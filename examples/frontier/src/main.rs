//! `frontier-example [OUT]`: runs `bandit.toml` into OUT (default `target/frontier/bandit`) and
//! prints the files written.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let out = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/frontier/bandit"), PathBuf::from);
    match frontier_example::run(&frontier_example::bandit_sweep(), &out) {
        Ok(report) => {
            for file in &report.files {
                println!("{}", file.display());
            }
            if report.unfinished() == 0 {
                ExitCode::SUCCESS
            } else {
                eprintln!("{} runs did not complete", report.unfinished());
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
