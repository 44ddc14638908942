//! The whole `prefopt` command with the DPOP objective linked in: `prefopt-custom plugins` lists
//! `dpop` next to the built-in plugins, and `prefopt-custom run CONFIG.toml` can train it.

use custom_objective_example as _;
use std::process::ExitCode;

fn main() -> ExitCode {
    prefopt_cli::main()
}
