//! `prefopt`: list plugins, run experiments.

mod cli;
mod logging;
mod plugins_command;
mod progress;
mod run_command;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    logging::install(cli.log_format);
    let result = match cli.command {
        cli::Command::Plugins(args) => plugins_command::run(&args),
        cli::Command::Run(args) => run_command::run(&args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
