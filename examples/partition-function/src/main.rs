//! Draws the partition function of a two-output toy policy: `partition_function.{svg,png,csv}`.
//!
//! Usage: `partition-function-example [--out DIR]` (default `target/partition-function`).

use std::path::PathBuf;
use std::process::ExitCode;

/// Output directory when `--out` is not given.
const DEFAULT_OUT: &str = "target/partition-function";

const USAGE: &str = "usage: partition-function-example [--out DIR]\n\
    Writes partition_function.svg, .png and .csv into DIR (default target/partition-function).";

/// The output directory from the command line, or `None` when help was asked for.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<PathBuf>, String> {
    let mut out = PathBuf::from(DEFAULT_OUT);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--out" => out = args.next().ok_or("--out needs a directory")?.into(),
            _ => match arg.strip_prefix("--out=") {
                Some(dir) => out = dir.into(),
                None => return Err(format!("unexpected argument {arg:?}")),
            },
        }
    }
    Ok(Some(out))
}

fn main() -> ExitCode {
    let out = match parse_args(std::env::args().skip(1)) {
        Ok(Some(out)) => out,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match partition_function_example::run(&out) {
        Ok(paths) => {
            for path in paths {
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<PathBuf>, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn arguments() {
        assert_eq!(parse(&[]), Ok(Some(PathBuf::from(DEFAULT_OUT))));
        assert_eq!(parse(&["--out", "x/y"]), Ok(Some(PathBuf::from("x/y"))));
        assert_eq!(parse(&["--out=z"]), Ok(Some(PathBuf::from("z"))));
        assert_eq!(parse(&["--help"]), Ok(None));
        assert!(parse(&["--out"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
    }
}
