//! Runs the comparison: `rlhf-bandit-example [--out DIR] [--steps N]`.
//!
//! Reads `examples/rlhf-bandit/configs/*.toml`, writes each run into `DIR/<name>/`, the table
//! into `DIR/comparison.md` and the curves into `DIR/kl_optimal.{svg,png}` (default
//! `target/rlhf-bandit`), and prints the table.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: rlhf-bandit-example [--out DIR] [--steps N]\n\
    Runs exact, DPO, PPO, GRPO and RLOO on one bandit; writes DIR/comparison.md and\n\
    DIR/kl_optimal.svg/.png (default DIR: target/rlhf-bandit; N: the configs' steps).";

/// The output directory and step override, or `None` when help was asked for.
fn parse_args(
    mut args: impl Iterator<Item = String>,
) -> Result<Option<(PathBuf, Option<usize>)>, String> {
    let mut out = PathBuf::from("target/rlhf-bandit");
    let mut steps = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--out" => out = args.next().ok_or("--out needs a directory")?.into(),
            "--steps" => {
                let value = args.next().ok_or("--steps needs a number")?;
                steps = Some(
                    value
                        .parse()
                        .map_err(|_| format!("--steps: not a number: {value:?}"))?,
                );
            }
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(Some((out, steps)))
}

fn main() -> ExitCode {
    let (out, steps) = match parse_args(std::env::args().skip(1)) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let configs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("configs");
    let result = rlhf_bandit_example::compare(&configs, &out, steps).and_then(|rows| {
        print!("{}", rlhf_bandit_example::table(&rows));
        rlhf_bandit_example::write_outputs(&rows, &out)
    });
    match result {
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

    fn parse(args: &[&str]) -> Result<Option<(PathBuf, Option<usize>)>, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn arguments() {
        assert_eq!(
            parse(&[]).unwrap(),
            Some((PathBuf::from("target/rlhf-bandit"), None))
        );
        assert_eq!(
            parse(&["--out", "x", "--steps", "40"]).unwrap(),
            Some((PathBuf::from("x"), Some(40)))
        );
        assert_eq!(parse(&["--help"]).unwrap(), None);
        assert!(
            parse(&["--steps", "many"])
                .unwrap_err()
                .contains("not a number")
        );
    }
}
