//! The reward–KL frontier example: `bandit.toml` compares every objective and algorithm on one
//! bandit against pi*'s closed-form frontier (README.md). The sweep runs with
//! `prefopt compare examples/frontier/bandit.toml`, or from Rust with [`run`].

use prefopt::train::compare::{CompareOptions, CompareReport, Sweep, run_sweep};
use prefopt::{PrefoptError, StopFlag, parse_device};
use std::path::{Path, PathBuf};

/// `examples/frontier/bandit.toml`.
pub fn bandit_sweep() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bandit.toml")
}

/// Runs the sweep file `sweep` into `out` on the default CPU backend (`flex`).
pub fn run(sweep: &Path, out: &Path) -> Result<CompareReport, PrefoptError> {
    let sweep = Sweep::load(sweep)?;
    let options = CompareOptions {
        out_dir: out.to_path_buf(),
        device: parse_device("flex")?,
        stop: StopFlag::new(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    run_sweep(&sweep, &options)
}
