//! `prefopt bench`: the wall time of a whole DPO training step as the offline trainer runs it,
//! generation throughput, and peak memory, on a named model shape or a model file.

use anyhow::{Context, Result, bail};
use clap::Args;
use prefopt::burn::module::Module;
use prefopt::burn::tensor::Device;
use prefopt::models::bench::BenchShape;
use prefopt::models::causal_lm::{CausalLmPolicy, LoraConfig, PairForward, load_policy};
use prefopt::train::adamw::AdamWSettings;
use prefopt::train::bench::{
    BenchPairs, GenerationTiming, StepInputs, Summary, peak_rss_bytes, phase_summaries,
    random_prompts, time_dpo_steps, time_generation, time_reference,
};
use prefopt::train::optimizer::TrainingOptimizer;
use prefopt::train::reference_cache::ReferenceCache;
use prefopt::{Policy, PreferenceObjective, ReferenceModel, TaskBatch, parse_device};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Instant;

/// `prefopt bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The model: `tiny` or `smollm2` (that architecture with random weights), or a GGUF file
    /// or Hugging Face model directory.
    #[arg(long, default_value = "tiny")]
    pub model: String,
    /// Preference pairs per step (the step scores 2 x pairs sequences).
    #[arg(long, default_value_t = 8)]
    pub pairs: usize,
    /// Tokens per sequence: the first half the prompt (shared by chosen and rejected), the rest
    /// the completion.
    #[arg(long, default_value_t = 128)]
    pub seq: usize,
    /// The device: flex (pure-Rust CPU), tch-cpu, tch-cuda:N, cuda:N, or default.
    #[arg(long, env = "PREFOPT_DEVICE", default_value = "flex")]
    pub device: String,
    /// Timed training steps after the warm-up.
    #[arg(long, default_value_t = 6)]
    pub steps: usize,
    /// Untimed training steps first.
    #[arg(long, default_value_t = 1)]
    pub warmup: usize,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Precompute the reference log-probs once (the trainer's `precompute_ref_log_probs`) and
    /// read them back each step instead of running a frozen reference copy.
    #[arg(long)]
    pub cache: bool,
    /// Train LoRA adapters of this rank instead of every weight (the reference is then the
    /// base model, no copy).
    #[arg(long)]
    pub lora: Option<usize>,
    /// The projections LoRA adapts (with --lora).
    #[arg(long, value_delimiter = ',', default_value = "q_proj,v_proj")]
    pub lora_targets: Vec<String>,
    /// Score each pair's chosen and rejected completions as two whole sequences, the prompt
    /// computed twice (PyTorch's and TRL's way), instead of the prompt once for both
    /// (`[policy] shared_prefix = false`).
    #[arg(long)]
    pub no_shared_prefix: bool,
    /// Recompute cheap intermediate values in the backward pass instead of keeping them
    /// (burn's balanced gradient checkpointing; TRL's `gradient_checkpointing`).
    #[arg(long)]
    pub gradient_checkpointing: bool,
    /// Learning rate of the AdamW step (TRL's `DPOConfig` default).
    #[arg(long, default_value_t = 1e-6)]
    pub lr: f64,
    /// AdamW's decoupled weight decay (PyTorch's `AdamW` default).
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f64,
    /// DPO's beta.
    #[arg(long, default_value_t = 0.1)]
    pub beta: f64,
    /// Batch sizes of the generation timings.
    #[arg(long, value_delimiter = ',', default_value = "1,8")]
    pub generate_batches: Vec<usize>,
    /// Prompt tokens of each generation.
    #[arg(long, default_value_t = 64)]
    pub generate_prompt: usize,
    /// Tokens generated per prompt (greedy, no stop token).
    #[arg(long, default_value_t = 64)]
    pub generate_new: usize,
    /// Timed generation calls per batch size, after one warm-up call.
    #[arg(long, default_value_t = 3)]
    pub generate_repeats: usize,
    /// Skip the generation timings.
    #[arg(long)]
    pub no_generate: bool,
    /// Seed of the random weights and token ids.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Builds the model and the pairs, times the steps and the generation, prints the results.
pub fn run(args: &BenchArgs) -> Result<()> {
    check(args)?;
    let device = parse_device(&args.device)?;
    let train_device = if args.gradient_checkpointing {
        device.clone().autodiff().gradient_checkpointing()
    } else {
        device.clone().autodiff()
    };
    let started = Instant::now();
    let (mut policy, label) = build_policy(args, &train_device)?;
    let load_s = started.elapsed().as_secs_f64();
    let config = policy.config().clone();
    if args.seq > config.max_position_embeddings {
        bail!(
            "--seq {} exceeds the model's {} positions (max_position_embeddings)",
            args.seq,
            config.max_position_embeddings
        );
    }
    let trainable = policy.num_params();
    let parameters = policy.model().num_params();
    let prompt_len = args.seq / 2;
    let pairs = BenchPairs::random(
        args.pairs,
        prompt_len,
        args.seq - prompt_len,
        config.vocab_size,
        args.seed,
    )?;
    let batch = TaskBatch::Pairs(pairs.all(&train_device)?);
    let (reference, cache_build_s) = build_reference(args, &policy, &pairs, &device)?;
    let objective: Box<dyn PreferenceObjective> =
        serde_json::from_value(json!({ "type": "dpo", "beta": args.beta }))
            .context("the `dpo` objective")?;
    let mut optimizer =
        TrainingOptimizer::with_settings(AdamWSettings::with_weight_decay(args.weight_decay), None);
    let inputs = StepInputs {
        objective: &*objective,
        reference: &*reference,
        batch: &batch,
        lr: args.lr,
    };
    let steps = time_dpo_steps(&mut policy, &mut optimizer, inputs, args.warmup, args.steps)?;
    let peak_rss = peak_rss_bytes();
    let phases = phase_summaries(&steps).context("no timed step")?;
    let step = phases[3].1;
    let reference_alone =
        Summary::of(&time_reference(&*reference, &batch, 3)?).context("no reference timing")?;
    let generation = if args.no_generate {
        Vec::new()
    } else {
        args.generate_batches
            .iter()
            .enumerate()
            .map(|(index, &size)| {
                let prompts = random_prompts(
                    size,
                    args.generate_prompt,
                    config.vocab_size,
                    args.seed.wrapping_add(1 + index as u64),
                );
                time_generation(&policy, &prompts, args.generate_new, args.generate_repeats)
            })
            .collect::<Result<Vec<_>, _>>()?
    };
    let report = json!({
        "model": label,
        "device": args.device,
        "threads": threads(),
        "parameters": parameters,
        "trainable_parameters": trainable,
        "lora_rank": args.lora,
        "shared_prefix": !args.no_shared_prefix,
        "gradient_checkpointing": args.gradient_checkpointing,
        "reference": if args.cache { "cache" } else if args.lora.is_some() { "base model (LoRA off)" } else { "frozen copy" },
        "pairs": args.pairs,
        "seq": args.seq,
        "prompt_tokens": prompt_len,
        "completion_tokens": args.seq - prompt_len,
        "warmup": args.warmup,
        "steps": args.steps,
        "load_s": load_s,
        "cache_build_s": cache_build_s,
        "median_step_s": step.median,
        "step_s": step,
        "tokens_per_s": (2 * args.pairs * args.seq) as f64 / step.median,
        "phases_s": phases.iter().map(|(name, summary)| (name.to_string(), json!(summary))).collect::<serde_json::Map<_, _>>(),
        "reference_alone_s": reference_alone,
        "final_loss": steps.last().map(|s| s.loss),
        "generate_tokens_per_s": generation.first().map(|g| g.tokens_per_s),
        "generate": generation,
        "peak_rss_bytes": peak_rss,
    });
    let mut report = report;
    for timing in &generation {
        report[format!("generate_tokens_per_s_batch_{}", timing.batch)] =
            json!(timing.tokens_per_s);
    }
    if args.json {
        println!("{report}");
    } else {
        print_text(&report, &phases, reference_alone, &generation);
    }
    Ok(())
}

fn check(args: &BenchArgs) -> Result<()> {
    if args.pairs == 0 {
        bail!("--pairs must be at least 1");
    }
    if args.seq < 2 {
        bail!("--seq must be at least 2 (one prompt and one completion token)");
    }
    if args.steps == 0 {
        bail!("--steps must be at least 1");
    }
    if !args.no_generate {
        if args.generate_batches.contains(&0) {
            bail!("--generate-batches: a batch size must be at least 1");
        }
        if args.generate_prompt == 0 || args.generate_new == 0 || args.generate_repeats == 0 {
            bail!("--generate-prompt, --generate-new and --generate-repeats must be at least 1");
        }
    }
    if !(args.lr.is_finite() && args.lr >= 0.0) {
        bail!("--lr {} must be a non-negative number", args.lr);
    }
    Ok(())
}

/// The policy on the autodiff device, and how it is named in the report.
fn build_policy(args: &BenchArgs, device: &Device) -> Result<(CausalLmPolicy, String)> {
    let (policy, label) = match BenchShape::from_name(&args.model) {
        Some(shape) => (
            CausalLmPolicy::random(shape.config(), args.seed, device)?,
            shape.name().to_string(),
        ),
        None => {
            let path = PathBuf::from(&args.model);
            if !path.exists() {
                bail!(
                    "--model {}: neither `tiny`, `smollm2` nor an existing GGUF file or Hugging \
                     Face directory",
                    args.model
                );
            }
            (load_policy(&path, device)?, path.display().to_string())
        }
    };
    let pair_forward = if args.no_shared_prefix {
        PairForward::Concatenated
    } else {
        PairForward::SharedPrefix
    };
    let policy = policy.with_pair_forward(pair_forward);
    let policy = match args.lora {
        Some(rank) => {
            let lora = LoraConfig {
                rank,
                targets: args.lora_targets.clone(),
                ..LoraConfig::default()
            };
            policy.with_lora(&lora, args.seed)?
        }
        None => policy,
    };
    Ok((policy, label))
}

/// The reference of the steps: the frozen initial policy, or (`--cache`) its log-probs of the
/// pairs computed once into a temporary cache file and read back, the model then dropped. With
/// the seconds building the cache took.
fn build_reference(
    args: &BenchArgs,
    policy: &CausalLmPolicy,
    pairs: &BenchPairs,
    device: &Device,
) -> Result<(Box<dyn ReferenceModel>, Option<f64>)> {
    let frozen = policy.freeze();
    if !args.cache {
        return Ok((frozen, None));
    }
    let path = std::env::temp_dir().join(format!(
        "prefopt-bench-{}-{}.bin",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos())
    ));
    let cached = ReferenceCache::new(format!("prefopt bench {}", args.model))
        .with_path(&path)
        .with_batch_size(args.pairs)
        .load_or_build(pairs, &*frozen, device);
    // The log-probs are in memory now; the file is not kept.
    let _ = std::fs::remove_file(&path);
    let cached = cached?;
    let timings = cached.timings();
    Ok((Box::new(cached), Some(timings.build + timings.file)))
}

/// The threads the CPU backends use: `RAYON_NUM_THREADS`, else the available cores.
fn threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|value| value.parse().ok())
        .filter(|&threads| threads > 0)
        .or_else(|| std::thread::available_parallelism().ok().map(usize::from))
        .unwrap_or(1)
}

fn print_text(
    report: &Value,
    phases: &[(&'static str, Summary)],
    reference_alone: Summary,
    generation: &[GenerationTiming],
) {
    let step = phases[3].1;
    println!(
        "prefopt bench: {} ({} parameters, {} trained), {} pairs x {} tokens ({} prompt + {} \
         completion, prompt {}), reference: {}, device {}, {} threads",
        report["model"].as_str().unwrap_or_default(),
        report["parameters"],
        report["trainable_parameters"],
        report["pairs"],
        report["seq"],
        report["prompt_tokens"],
        report["completion_tokens"],
        if report["shared_prefix"].as_bool().unwrap_or(true) {
            "shared by both completions"
        } else {
            "computed for each completion"
        },
        report["reference"].as_str().unwrap_or_default(),
        report["device"].as_str().unwrap_or_default(),
        report["threads"],
    );
    if let Some(seconds) = report["cache_build_s"].as_f64() {
        println!("reference cache built in {seconds:.3} s");
    }
    println!(
        "DPO step ({} steps after {} warm-up): median {:.4} s [min {:.4}, q1 {:.4}, q3 {:.4}, \
         max {:.4}], {:.0} training tokens/s",
        step.count,
        report["warmup"],
        step.median,
        step.min,
        step.q1,
        step.q3,
        step.max,
        report["tokens_per_s"].as_f64().unwrap_or_default(),
    );
    let median = |name: &str| {
        phases
            .iter()
            .find(|(phase, _)| *phase == name)
            .map_or(f64::NAN, |(_, summary)| summary.median)
    };
    println!(
        "  phases (median s): forward {:.4} (reference alone {:.4}), backward {:.4}, optimizer \
         {:.4}",
        median("forward"),
        reference_alone.median,
        median("backward"),
        median("optimizer"),
    );
    for timing in generation {
        println!(
            "generation batch {} ({}-token prompts, {} new tokens, greedy): {:.1} tokens/s \
             (median {:.4} s, min {:.4}, max {:.4})",
            timing.batch,
            timing.prompt_tokens,
            timing.new_tokens,
            timing.tokens_per_s,
            timing.seconds.median,
            timing.seconds.min,
            timing.seconds.max,
        );
    }
    match report["peak_rss_bytes"].as_u64() {
        Some(bytes) => println!(
            "peak RSS after training: {:.1} MiB",
            bytes as f64 / (1 << 20) as f64
        ),
        None => println!("peak RSS: not known on this system"),
    }
}
