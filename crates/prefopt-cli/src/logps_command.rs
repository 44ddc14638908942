//! `prefopt logps`: the log-probability a causal language model gives each completion.

use crate::jsonl::{JsonlObject, JsonlSink, read_objects};
use crate::model_loading::load_timed;
use anyhow::{Result, bail};
use clap::Args;
use prefopt::models::causal_lm::{FrozenCausalLm, LoadedCausalLm};
use prefopt::{ReferenceModel, SequenceBatch, TextTokenizer, parse_device};
use serde_json::json;
use std::path::PathBuf;

/// `prefopt logps`.
#[derive(Debug, Args)]
pub struct LogpsArgs {
    /// The model: a GGUF file or a Hugging Face model directory.
    #[arg(long)]
    pub model: PathBuf,
    /// JSON lines, each a `prompt` and a `completion` (text), or `prompt_ids` and
    /// `completion_ids` (token ids).
    #[arg(long)]
    pub data: PathBuf,
    /// Write the results here (atomically) instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Examples per forward pass.
    #[arg(long, default_value_t = 8)]
    pub batch_size: usize,
    /// The device: flex (pure-Rust CPU), tch-cpu, tch-cuda:N, cuda:N, or default.
    #[arg(long, env = "PREFOPT_DEVICE", default_value = "flex")]
    pub device: String,
}

/// One example: prompt and completion ids.
struct Example {
    prompt: Vec<u32>,
    completion: Vec<u32>,
}

/// The ids of one side of a line: `<side>_ids` if given, else `<side>` text encoded (with the
/// tokenizer's special tokens for the prompt, none for the completion).
fn side_ids(
    line: &JsonlObject,
    tokenizer: &dyn TextTokenizer,
    side: &str,
    special: bool,
) -> Result<Vec<u32>> {
    let ids_field = format!("{side}_ids");
    let ids = match (line.optional_ids(&ids_field)?, line.optional_str(side)?) {
        (Some(ids), _) => ids,
        (None, Some(text)) => tokenizer.encode(text, special)?,
        (None, None) => {
            return Err(line.error(format!(
                "expected a JSON object with a string `{side}` (or `{ids_field}`)"
            )));
        }
    };
    if ids.is_empty() {
        return Err(line.error(format!("empty `{side}`: it needs at least one token")));
    }
    if let Some(&id) = ids
        .iter()
        .find(|&&id| id as usize >= tokenizer.vocab_size())
    {
        return Err(line.error(format!(
            "`{ids_field}` holds {id}, outside the model's vocabulary of {}",
            tokenizer.vocab_size()
        )));
    }
    Ok(ids)
}

/// The examples of the data file's lines, checking each fits the model's context.
fn read_examples(lines: &[JsonlObject], loaded: &LoadedCausalLm) -> Result<Vec<Example>> {
    let context = loaded.model.max_positions();
    let mut examples = Vec::new();
    for line in lines {
        let prompt = side_ids(line, &loaded.tokenizer, "prompt", true)?;
        let completion = side_ids(line, &loaded.tokenizer, "completion", false)?;
        if prompt.len() + completion.len() > context {
            return Err(line.error(format!(
                "the prompt ({} tokens) and completion ({} tokens) exceed the model's context of {context} tokens",
                prompt.len(),
                completion.len()
            )));
        }
        examples.push(Example { prompt, completion });
    }
    Ok(examples)
}

/// Loads the model, scores every example, and writes one JSON line per example:
/// `{index, logp, tokens, token_logps}` (`tokens`: the completion ids; `logp`: the sum of
/// `token_logps`, `log pi(token | everything before it)`).
pub fn run(args: &LogpsArgs) -> Result<()> {
    if args.batch_size == 0 {
        bail!("--batch-size must be at least 1");
    }
    let lines = read_objects(&args.data)?;
    let device = parse_device(&args.device)?;
    let (loaded, _) = load_timed(&args.model, &device)?;
    let examples = read_examples(&lines, &loaded)?;
    let pad = loaded.tokenizer.pad_token_id().unwrap_or(0);
    let model = FrozenCausalLm::new(&loaded.model);
    let mut sink = JsonlSink::new(args.output.as_deref());
    for (chunk_index, chunk) in examples.chunks(args.batch_size).enumerate() {
        let prompts: Vec<Vec<u32>> = chunk.iter().map(|example| example.prompt.clone()).collect();
        let completions: Vec<Vec<u32>> = chunk
            .iter()
            .map(|example| example.completion.clone())
            .collect();
        let batch = SequenceBatch::from_ids(&prompts, &completions, pad, &device)?;
        let logps = model.token_logps(&batch);
        let width = logps.dims()[1];
        let logps = logps
            .into_data()
            .try_into_vec_as::<f32>()
            .map_err(|error| anyhow::anyhow!("reading the log-probs back: {error:?}"))?;
        for (row, example) in chunk.iter().enumerate() {
            let token_logps = &logps[row * width..row * width + example.completion.len()];
            let logp: f64 = token_logps.iter().map(|&value| f64::from(value)).sum();
            sink.push(&json!({
                "index": chunk_index * args.batch_size + row,
                "logp": logp,
                "tokens": example.completion,
                "token_logps": token_logps,
            }))?;
        }
    }
    sink.finish()
}
