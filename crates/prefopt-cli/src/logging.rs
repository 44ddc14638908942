//! The binary's tracing subscriber (the libraries never install one), and how the command's
//! final error is printed: once, in the log format asked for.

use crate::cli::LogFormat;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Logs to stderr, filtered by `RUST_LOG` (default: warnings, and info from prefopt). With
/// `--log-format json` every line on stderr is a JSON object, panics included.
pub fn install(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("warn,prefopt=info,prefopt_train=info,prefopt_cli=info")
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => {
            builder.json().init();
            std::panic::set_hook(Box::new(|info| {
                tracing::error!(panic = %info, "panicked");
            }));
        }
    }
}

/// A command line clap refused: printed by clap (usage and help text), or, when the command
/// line asks for `--log-format json`, as one `ERROR` JSON line. Exit status 2, as clap's.
pub fn usage_error(error: clap::Error) -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let json = args
        .windows(2)
        .any(|pair| pair[0] == "--log-format" && pair[1] == "json")
        || args.iter().any(|arg| arg == "--log-format=json");
    if !json || !error.use_stderr() {
        error.exit();
    }
    install(LogFormat::Json);
    let text = error.to_string();
    let first_line = text.lines().next().unwrap_or_default();
    tracing::error!(
        error = %first_line.trim_start_matches("error: "),
        "invalid command line (prefopt --help)"
    );
    std::process::ExitCode::from(2)
}

/// The error and its causes joined by `: `, each cause left out when the text before it
/// already says it (an error whose message embeds its source's would otherwise print
/// `X: X`).
pub fn error_chain(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

/// Prints the command's error once: `error: ...` on stderr, or an `ERROR` JSON line.
pub fn report_error(format: LogFormat, error: &anyhow::Error) {
    let message = error_chain(error);
    match format {
        LogFormat::Text => eprintln!("error: {message}"),
        LogFormat::Json => tracing::error!(error = %message, "failed"),
    }
}

/// Prints that the run was interrupted and how to go on: a line on stderr, or a `WARN` JSON
/// line.
pub fn report_interrupted(format: LogFormat, message: &str) {
    match format {
        LogFormat::Text => eprintln!("{message}"),
        LogFormat::Json => tracing::warn!(%message, "interrupted"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Embeds(std::io::Error);

    impl std::fmt::Display for Embeds {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "config.toml: invalid: {}", self.0)
        }
    }

    impl std::error::Error for Embeds {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_cause_already_in_the_message_is_printed_once() {
        let inner = std::io::Error::other("`beta`: must be > 0");
        let error = anyhow::Error::new(Embeds(inner)).context("running config.toml");
        assert_eq!(
            error_chain(&error),
            "running config.toml: config.toml: invalid: `beta`: must be > 0"
        );
        let plain = anyhow::anyhow!("disk full").context("writing summary.json");
        assert_eq!(error_chain(&plain), "writing summary.json: disk full");
    }
}
