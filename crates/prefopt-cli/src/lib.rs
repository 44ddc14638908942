//! The `prefopt` command line as a library, so that a binary linking extra plugin crates gets the
//! whole command with those plugins registered:
//!
//! ```ignore
//! use my_objectives as _; // linked: its #[plugin]s register
//! fn main() -> std::process::ExitCode {
//!     prefopt_cli::main()
//! }
//! ```

mod bench_command;
mod cli;
mod compare_command;
mod export_command;
mod generate_command;
mod incremental_decoder;
mod jsonl;
mod logging;
mod logps_command;
mod model_loading;
mod objective_command;
mod plot_command;
mod plugins_command;
mod progress;
mod run_command;
mod tokenizer_command;

use clap::Parser;

pub use cli::Cli;

/// Parses the command line, runs the command, prints any error with its causes, and returns the
/// exit code.
pub fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return logging::usage_error(error),
    };
    let log_format = cli.log_format;
    logging::install(log_format);
    let result = match cli.command {
        cli::Command::Plugins(args) => plugins_command::run(&args),
        cli::Command::Run(args) => run_command::run(&args, log_format),
        cli::Command::Objective(cli::ObjectiveCommand::Eval(args)) => {
            objective_command::eval(&args)
        }
        cli::Command::Generate(args) => generate_command::run(&args),
        cli::Command::Logps(args) => logps_command::run(&args),
        cli::Command::Export(args) => export_command::run(&args),
        cli::Command::Tokenizer(command) => tokenizer_command::run(&command),
        cli::Command::Compare(args) => compare_command::run(&args),
        cli::Command::Bench(args) => bench_command::run(&args),
        cli::Command::Plot(args) => plot_command::run(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => match error.downcast_ref::<run_command::Interrupted>() {
            Some(interrupted) => {
                logging::report_interrupted(log_format, &interrupted.to_string());
                std::process::ExitCode::from(run_command::INTERRUPTED_EXIT)
            }
            None => {
                logging::report_error(log_format, &error);
                std::process::ExitCode::FAILURE
            }
        },
    }
}
