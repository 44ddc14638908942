//! `prefopt export`: a model as a Hugging Face directory.

use crate::model_loading::load_timed;
use anyhow::{Context, Result};
use clap::Args;
use prefopt::burn::tensor::Device;
use prefopt::models::causal_lm::export_hf;
use std::path::PathBuf;
use std::time::Instant;

/// `prefopt export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The model: a GGUF file or a Hugging Face model directory.
    #[arg(long)]
    pub model: PathBuf,
    /// The output directory (written atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing non-empty --out.
    #[arg(long)]
    pub overwrite: bool,
}

/// Loads the model and writes config.json, generation_config.json, model.safetensors (f32),
/// tokenizer.json and tokenizer_config.json, which transformers loads as `LlamaForCausalLM`.
pub fn run(args: &ExportArgs) -> Result<()> {
    let (loaded, _) = load_timed(&args.model, &Device::default())?;
    let started = Instant::now();
    export_hf(
        &loaded.model,
        &loaded.config,
        &loaded.tokenizer,
        &args.out,
        args.overwrite,
    )
    .with_context(|| {
        format!(
            "exporting {} to {}",
            args.model.display(),
            args.out.display()
        )
    })?;
    println!(
        "wrote {} in {:.2}s: config.json, generation_config.json, model.safetensors (float32), tokenizer.json, tokenizer_config.json",
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
