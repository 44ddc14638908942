//! Samples a causal LM on a `controlled_sentiment` config's prompts and reports what the task
//! will see: completions with their VADER scores, the mean true reward of the model's samples,
//! and the time to draw the task's pairs from it (`pairs = "reference_samples"`).
//!
//! ```text
//! cargo run -p prefopt-data --example controlled_sentiment_samples -- \
//!     examples/frontier/sft.toml runs/frontier/sft/policy.bpk [PROMPTS]
//! ```
//!
//! The config's `[task]` (a `controlled_sentiment` table) and `[policy]` (a `causal_lm`) are read;
//! the policy is built as the config says and, when given, its trained parameters are loaded from
//! the run's `policy.bpk` (an empty argument: the untrained model). PROMPTS (default 512)
//! replaces the task's `prompts`.

use prefopt_core::burn::tensor::Device;
use prefopt_core::{PolicyConfig, SamplingOptions, Split, Task, TaskConfig, TaskInputs};
use prefopt_data::controlled_sentiment::{
    ControlledSentimentConfig, ControlledSentimentTask, PairSource,
};
use prefopt_models as _;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::error::Error;
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(config_path) = args.first() else {
        return Err(
            "usage: controlled_sentiment_samples CONFIG.toml [POLICY.bpk] [PROMPTS]".into(),
        );
    };
    let checkpoint = args.get(1).filter(|path| !path.is_empty()).map(Path::new);
    let prompts: usize = args.get(2).map_or(Ok(512), |n| n.parse())?;
    let table: toml::Table = toml::from_str(&std::fs::read_to_string(config_path)?)?;
    let section = |name: &str| {
        table
            .get(name)
            .cloned()
            .ok_or_else(|| format!("{config_path}: no [{name}] table"))
    };
    let policy: Box<dyn PolicyConfig> = section("policy")?.try_into()?;
    let mut task_table = section("task")?;
    if let Some(task) = task_table.as_table_mut() {
        task.remove("type");
    }
    let task_config = ControlledSentimentConfig {
        pairs: PairSource::ReferenceSamples,
        prompts,
        ..task_table.try_into()?
    };
    let device = Device::default();
    let reference = |task: &dyn Task| {
        let mut built = policy.build(task, &device)?;
        if let Some(path) = checkpoint {
            built.load_checkpoint(path)?;
        }
        Ok(built)
    };
    let tokenizer = policy
        .tokenizer()?
        .ok_or("the policy has no tokenizer: set [policy] tokenizer")?;
    let base = ControlledSentimentTask::from_corpus(&task_config, tokenizer.clone())?;
    let model = reference(&base)?;

    // One sample per training prompt: the mean true reward of pi_ref.
    let options = SamplingOptions {
        max_new_tokens: task_config.completion_tokens,
        stop_token_ids: tokenizer.eos_token_ids(),
        ..SamplingOptions::default()
    };
    let prompts = base.prompts_of(Split::Train);
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(1);
    let generations = model.generate(prompts, &options, &mut rng)?;
    let seconds = started.elapsed().as_secs_f64();
    let mut scores = Vec::with_capacity(prompts.len());
    for (k, (prompt, generation)) in prompts.iter().zip(&generations).enumerate() {
        let score = base.reward().of(prompt, &generation.tokens)?;
        scores.push(score);
        if k < 12 {
            println!(
                "{score:+.4}  [{}] {}",
                base.reward().decode(prompt)?,
                base.reward().decode(&generation.tokens)?
            );
        }
    }
    let n = scores.len() as f64;
    let mean = scores.iter().sum::<f64>() / n;
    let sd = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let share = |keep: fn(f64) -> bool| scores.iter().filter(|&&s| keep(s)).count() as f64 / n;
    println!(
        "{} samples in {seconds:.1} s: mean true reward {mean:.4} (sd {sd:.4}, standard error \
         {:.4}); positive {:.3}, zero {:.3}, negative {:.3}",
        scores.len(),
        sd / n.sqrt(),
        share(|s| s > 0.0),
        share(|s| s == 0.0),
        share(|s| s < 0.0)
    );

    // The task's own pairs, drawn through the hook as a run draws them.
    let started = Instant::now();
    let task = task_config.build_with(
        &TaskInputs::new(0, &|| Ok(Some(tokenizer.clone()))).with_reference_policy(&reference),
    )?;
    println!(
        "built the task with {} training and {} held-out pairs from {} prompts in {:.1} s \
         (deterministic ties dropped)",
        task.examples(Split::Train).unwrap_or(0),
        task.examples(Split::Eval).unwrap_or(0),
        task_config.prompts,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
