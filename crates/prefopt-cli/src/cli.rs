//! The command line.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// prefopt: preference optimization (DPO and its family, the RLHF optimum through the
/// partition function) on burn.
#[derive(Debug, Parser)]
#[command(name = "prefopt", version, about)]
pub struct Cli {
    /// Log format on stderr (verbosity: RUST_LOG, e.g. RUST_LOG=debug).
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every registered plugin: kind, name, summary, paper, example config.
    Plugins(PluginsArgs),
    /// Run an experiment config and write its run directory.
    Run(RunArgs),
    /// Work with objectives: check them against test vectors.
    #[command(subcommand)]
    Objective(ObjectiveCommand),
    /// Generate completions with a language model (GGUF file or Hugging Face directory).
    Generate(crate::generate_command::GenerateArgs),
    /// Score completions: per-token log-probabilities under a language model.
    Logps(crate::logps_command::LogpsArgs),
    /// Write a language model as a Hugging Face directory (LlamaForCausalLM, float32).
    Export(crate::export_command::ExportArgs),
    /// Work with tokenizers: train a byte-level BPE on a corpus.
    #[command(subcommand)]
    Tokenizer(crate::tokenizer_command::TokenizerCommand),
    /// Run a sweep of methods, KL coefficients and seeds from one config; write the points
    /// (CSV, Markdown) and the reward–KL frontier (SVG, PNG). Finished runs are skipped.
    Compare(crate::compare_command::CompareArgs),
    /// Time a whole DPO training step, generation and peak memory (tiny, smollm2 or a model file).
    Bench(crate::bench_command::BenchArgs),
    /// Redraw a run directory's plots from its metrics.jsonl (an interrupted or running run's
    /// steps so far).
    Plot(crate::plot_command::PlotArgs),
}

/// `prefopt objective ...`.
#[derive(Debug, Subcommand)]
pub enum ObjectiveCommand {
    /// Evaluate every case of an objective test-vector file (TRL's settings, inputs, expected
    /// loss and metrics) and compare; exits non-zero when a case differs beyond tolerance.
    Eval(EvalArgs),
}

/// `prefopt objective eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The test-vector file (JSON, the format of tests/data/golden/trl_pairwise_losses.json).
    pub vectors: PathBuf,
    /// Write per case the computed loss and metrics next to the expected ones (JSON).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Relative tolerance: a value matches within rtol relative or atol absolute.
    #[arg(long, default_value_t = 1e-4)]
    pub rtol: f64,
    /// Absolute tolerance, for values near zero.
    #[arg(long, default_value_t = 1e-5)]
    pub atol: f64,
}

/// `prefopt plugins`.
#[derive(Debug, Args)]
pub struct PluginsArgs {
    /// Only this kind (task, policy, algorithm, objective).
    #[arg(long)]
    pub kind: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `prefopt run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The experiment config (TOML).
    pub config: PathBuf,
    /// The run directory (default: runs/<config name>, numbered if it exists).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The device: flex (pure-Rust CPU), tch-cpu, tch-cuda:N, cuda:N, or default.
    #[arg(long, env = "PREFOPT_DEVICE", default_value = "flex")]
    pub device: String,
    /// Replace the config's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replace the files of an earlier run in --out (removed once this run holds the
    /// directory's lock).
    #[arg(long, conflicts_with = "resume")]
    pub overwrite: bool,
    /// Continue the unfinished run in --out (interrupted, failed or killed) from its latest
    /// checkpoint, with the same config.
    #[arg(long, requires = "out")]
    pub resume: bool,
}
