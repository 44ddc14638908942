//! The `prefopt` command line as a library, so that a binary linking extra plugin crates gets the
//! whole command with those plugins registered:
//!
//! ```ignore
//! use my_objectives as _; // linked: its #[plugin]s register
//! fn main() -> std::process::ExitCode {
//!     prefopt_cli::main()
//! }
//! ```

mod cli;
mod logging;
mod objective_command;
mod plugins_command;
mod progress;
mod run_command;

use clap::Parser;

pub use cli::Cli;

/// Parses the command line, runs the command, prints any error with its causes, and returns the
/// exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    logging::install(cli.log_format);
    let result = match cli.command {
        cli::Command::Plugins(args) => plugins_command::run(&args),
        cli::Command::Run(args) => run_command::run(&args),
        cli::Command::Objective(cli::ObjectiveCommand::Eval(args)) => {
            objective_command::eval(&args)
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
