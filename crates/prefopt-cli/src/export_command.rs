//! `prefopt export`: a model as a Hugging Face directory, or a LoRA policy's adapters alone in
//! PEFT's format.

use crate::model_loading::load_timed;
use anyhow::{Context, Result, bail};
use clap::Args;
use prefopt::Policy;
use prefopt::burn::tensor::Device;
use prefopt::models::causal_lm::{
    CausalLmPolicy, LoadedCausalLm, export_hf, export_peft_adapters, read_lora_settings,
};
use std::path::PathBuf;
use std::time::Instant;

/// `prefopt export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The model: a GGUF file or a Hugging Face model directory (with --checkpoint, the model
    /// the checkpoint's policy was trained from).
    #[arg(long)]
    pub model: PathBuf,
    /// A policy checkpoint trained from --model (a run's `checkpoints/step-N/policy.bpk`): a
    /// whole model's weights, or LoRA adapters, merged into the weights on export.
    #[arg(long)]
    pub checkpoint: Option<PathBuf>,
    /// Write only the LoRA adapters of --checkpoint, in PEFT's format (adapter_config.json,
    /// adapter_model.safetensors), for `PeftModel.from_pretrained` over --model exported alone.
    #[arg(long, requires = "checkpoint")]
    pub adapters_only: bool,
    /// The output directory (written atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace an existing non-empty --out.
    #[arg(long)]
    pub overwrite: bool,
}

/// Loads the model (and the checkpoint over it) and writes config.json,
/// generation_config.json, model.safetensors (f32, LoRA adapters merged), tokenizer.json and
/// tokenizer_config.json, which transformers loads as `LlamaForCausalLM`; or, with
/// `--adapters-only`, the adapters in PEFT's format.
pub fn run(args: &ExportArgs) -> Result<()> {
    let (loaded, _) = load_timed(&args.model, &Device::default())?;
    let LoadedCausalLm {
        model,
        config,
        tokenizer,
        ..
    } = loaded;
    let lora = match &args.checkpoint {
        Some(path) => read_lora_settings(path)?,
        None => None,
    };
    let mut policy = CausalLmPolicy::new(model, config.clone(), None);
    if let Some(lora) = &lora {
        policy = policy.with_lora(lora, 0)?;
    }
    if let Some(path) = &args.checkpoint {
        policy
            .load_checkpoint(path)
            .with_context(|| format!("loading {} over {}", path.display(), args.model.display()))?;
    }
    let started = Instant::now();
    if args.adapters_only {
        let Some(lora) = &lora else {
            bail!(
                "{}: the weights of a whole model, with no LoRA adapters to write alone: export it without --adapters-only",
                args.checkpoint
                    .as_ref()
                    .expect("required by clap")
                    .display()
            );
        };
        export_peft_adapters(
            policy.model(),
            &config,
            lora,
            &args.model.display().to_string(),
            &args.out,
            args.overwrite,
        )
        .with_context(|| format!("exporting the adapters to {}", args.out.display()))?;
        println!(
            "wrote {} in {:.2}s: adapter_config.json, adapter_model.safetensors (float32, PEFT LoRA, rank {}, alpha {})",
            args.out.display(),
            started.elapsed().as_secs_f64(),
            lora.rank,
            lora.alpha
        );
        return Ok(());
    }
    export_hf(
        &policy.merged_model(),
        &config,
        &tokenizer,
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
        "wrote {} in {:.2}s: config.json, generation_config.json, model.safetensors (float32{}), tokenizer.json, tokenizer_config.json",
        args.out.display(),
        started.elapsed().as_secs_f64(),
        if lora.is_some() {
            ", LoRA adapters merged"
        } else {
            ""
        }
    );
    Ok(())
}
