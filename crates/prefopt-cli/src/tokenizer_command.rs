//! `prefopt tokenizer train`: a byte-level BPE tokenizer trained on a corpus, for a language
//! model trained from scratch on it (`[policy] tokenizer = DIR` of a random `causal_lm`).

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use prefopt::ExperimentConfig;
use prefopt_tokenizer::{BpeTraining, TOKENIZER_FILE, Tokenizer};
use std::path::PathBuf;
use std::time::Instant;

/// `prefopt tokenizer ...`.
#[derive(Debug, Subcommand)]
pub enum TokenizerCommand {
    /// Train a byte-level BPE tokenizer on a task's corpus or on text files, and write
    /// tokenizer.json and tokenizer_config.json to a directory.
    Train(TrainArgs),
}

/// `prefopt tokenizer train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// An experiment config whose `[task]` has a text corpus (e.g. `controlled_sentiment`):
    /// train on its documents.
    #[arg(long, conflicts_with = "files", required_unless_present = "files")]
    pub task: Option<PathBuf>,
    /// Plain text files: each non-empty line is one text.
    #[arg(long, num_args = 1..)]
    pub files: Vec<PathBuf>,
    /// The vocabulary size, the 256 byte tokens and 2 special tokens included.
    #[arg(long, default_value_t = 2048)]
    pub vocab_size: usize,
    /// Merge a pair of tokens only when it occurs at least this often.
    #[arg(long, default_value_t = 2)]
    pub min_frequency: u64,
    /// Lowercase text before tokenizing it (saved with the tokenizer).
    #[arg(long)]
    pub lowercase: bool,
    /// The output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace a tokenizer already in --out.
    #[arg(long)]
    pub overwrite: bool,
}

/// Runs `prefopt tokenizer ...`.
pub fn run(command: &TokenizerCommand) -> Result<()> {
    match command {
        TokenizerCommand::Train(args) => train(args),
    }
}

fn train(args: &TrainArgs) -> Result<()> {
    let existing = args.out.join(TOKENIZER_FILE);
    if existing.exists() && !args.overwrite {
        bail!(
            "{} exists: pass --overwrite to replace it",
            existing.display()
        );
    }
    let options = BpeTraining {
        vocab_size: args.vocab_size,
        min_frequency: args.min_frequency,
        lowercase: args.lowercase,
    };
    let started = Instant::now();
    let tokenizer = match &args.task {
        Some(path) => {
            let config = ExperimentConfig::load(path)?;
            let texts = config
                .task
                .corpus_texts()
                .with_context(|| format!("{}: reading the task's corpus", path.display()))?;
            let Some(texts) = texts else {
                bail!(
                    "{}: this [task] has no text corpus to train a tokenizer on; pass --files",
                    path.display()
                );
            };
            Tokenizer::train_bpe(texts.iter(), &options)?
        }
        None => Tokenizer::train_bpe_on_files(&args.files, &options)?,
    };
    tokenizer
        .save(&args.out)
        .with_context(|| format!("writing the tokenizer to {}", args.out.display()))?;
    println!(
        "{}: {} tokens, trained in {:.1} s",
        args.out.display(),
        tokenizer.vocab_size(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
