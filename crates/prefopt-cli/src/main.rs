//! `prefopt`: list plugins, run experiments.

fn main() -> std::process::ExitCode {
    prefopt_cli::main()
}
