//! `prefopt generate`: completions from a causal language model, streamed for one prompt, one
//! JSON line per prompt for a file.

use crate::incremental_decoder::IncrementalDecoder;
use crate::jsonl::{JsonlObject, JsonlSink, read_objects};
use crate::model_loading::load_timed;
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use prefopt::models::causal_lm::CausalLmPolicy;
use prefopt::{ChatMessage, Policy, SamplingOptions, TextTokenizer, parse_device};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// `prefopt generate`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("input").required(true).args(["prompt", "file"]))]
pub struct GenerateArgs {
    /// The model: a GGUF file or a Hugging Face model directory.
    #[arg(long)]
    pub model: PathBuf,
    /// One prompt; its completion is streamed to stdout.
    #[arg(long)]
    pub prompt: Option<String>,
    /// Prompts as JSON lines with a `prompt` string (or, with --chat, a `messages` list of
    /// {role, content}); prints one JSON line per prompt: {prompt, completion, tokens, finished}.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Render prompts with the model's chat template (a user turn, then the assistant header).
    #[arg(long)]
    pub chat: bool,
    /// A system message before the user turn (with --chat).
    #[arg(long)]
    pub system: Option<String>,
    /// The most tokens generated per prompt.
    #[arg(long, default_value_t = 128)]
    pub max_new_tokens: usize,
    /// Softmax temperature; 0 is greedy decoding.
    #[arg(long, default_value_t = 0.0)]
    pub temperature: f64,
    /// Sample only among the k most likely tokens.
    #[arg(long)]
    pub top_k: Option<usize>,
    /// Sample only among the most likely tokens whose probability reaches p (nucleus sampling).
    #[arg(long)]
    pub top_p: Option<f64>,
    /// Seed of the sampler.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Prompts of --file generated together.
    #[arg(long, default_value_t = 8)]
    pub batch_size: usize,
    /// The device: flex (pure-Rust CPU), tch-cpu, tch-cuda:N, cuda:N, or default.
    #[arg(long, env = "PREFOPT_DEVICE", default_value = "flex")]
    pub device: String,
}

/// Loads the model and generates.
pub fn run(args: &GenerateArgs) -> Result<()> {
    if args.system.is_some() && !args.chat {
        bail!("--system needs --chat (the system message goes through the chat template)");
    }
    if args.batch_size == 0 {
        bail!("--batch-size must be at least 1");
    }
    let input = match (&args.prompt, &args.file) {
        (Some(prompt), _) if prompt.trim().is_empty() => bail!("--prompt is empty: give some text"),
        (Some(prompt), _) => Input::Prompt(prompt.clone()),
        (None, Some(file)) => Input::File(read_objects(file)?),
        (None, None) => unreachable!("clap requires --prompt or --file"),
    };
    let mut options = SamplingOptions {
        max_new_tokens: args.max_new_tokens,
        temperature: args.temperature,
        top_k: args.top_k,
        top_p: args.top_p,
        stop_token_ids: Vec::new(),
    };
    options
        .validate()
        .map_err(|error| anyhow!("--{}: {}", error.field.replace('_', "-"), error.message))?;
    let device = parse_device(&args.device)?;
    let (loaded, _) = load_timed(&args.model, &device)?;
    options.stop_token_ids = loaded.stop_token_ids.clone();
    let policy = loaded.into_policy();
    let tokenizer = policy.tokenizer().context("the model has no tokenizer")?;
    let generator = Generator {
        policy: &policy,
        tokenizer,
        options,
        args,
    };
    let mut rng = StdRng::seed_from_u64(args.seed);
    match input {
        Input::Prompt(prompt) => generator.stream_one(&prompt, &mut rng),
        Input::File(lines) => generator.file(&lines, &mut rng),
    }
}

/// What to complete: one prompt, or the lines of a JSONL file.
enum Input {
    Prompt(String),
    File(Vec<JsonlObject>),
}

struct Generator<'a> {
    policy: &'a CausalLmPolicy,
    tokenizer: Arc<dyn TextTokenizer>,
    options: SamplingOptions,
    args: &'a GenerateArgs,
}

impl Generator<'_> {
    /// The prompt text the model sees: the chat template's rendering with --chat.
    fn render(&self, messages: Vec<ChatMessage>) -> Result<String> {
        let mut conversation: Vec<ChatMessage> = self
            .args
            .system
            .iter()
            .map(|system| ChatMessage::new("system", system))
            .collect();
        conversation.extend(messages);
        Ok(self.tokenizer.apply_chat_template(&conversation, true)?)
    }

    /// The token ids of `text` (a rendered chat carries its own special tokens); refuses an
    /// empty prompt and one that leaves no room in the model's context. `location` prefixes
    /// errors.
    fn encode(&self, text: &str, location: &str) -> Result<Vec<u32>> {
        if text.trim().is_empty() {
            bail!("{location}empty prompt: give some text");
        }
        let ids = self.tokenizer.encode(text, !self.args.chat)?;
        let context = self.policy.model().max_positions();
        if ids.len() + self.options.max_new_tokens > context {
            bail!(
                "{location}the prompt has {} tokens and --max-new-tokens is {}, but the model's context is {context} tokens",
                ids.len(),
                self.options.max_new_tokens
            );
        }
        Ok(ids)
    }

    /// Generates after one prompt, printing the completion as tokens come.
    fn stream_one(&self, prompt: &str, rng: &mut StdRng) -> Result<()> {
        let text = if self.args.chat {
            self.render(vec![ChatMessage::new("user", prompt)])?
        } else {
            prompt.to_string()
        };
        let ids = self.encode(&text, "")?;
        let mut decoder = IncrementalDecoder::default();
        let mut stdout = std::io::stdout().lock();
        let mut failure: Option<anyhow::Error> = None;
        let started = Instant::now();
        let mut first_token = None;
        let generations =
            self.policy
                .generate_streaming(&[ids], &self.options, rng, &mut |_, token| {
                    first_token.get_or_insert_with(Instant::now);
                    if failure.is_some() {
                        return;
                    }
                    let printed = decoder
                        .push(self.tokenizer.as_ref(), token)
                        .and_then(|piece| {
                            Ok(write!(stdout, "{piece}").and_then(|()| stdout.flush())?)
                        });
                    if let Err(error) = printed {
                        failure = Some(error);
                    }
                })?;
        if let Some(error) = failure {
            return Err(error);
        }
        writeln!(stdout, "{}", decoder.finish(self.tokenizer.as_ref())?)?;
        let elapsed = started.elapsed().as_secs_f64();
        let count = generations[0].tokens.len();
        let first = first_token.map_or(elapsed, |at| (at - started).as_secs_f64());
        let rate = if count > 1 {
            (count - 1) as f64 / (elapsed - first).max(1e-9)
        } else {
            0.0
        };
        eprintln!(
            "{count} tokens in {elapsed:.2}s: first after {first:.2}s, then {rate:.1} tokens/s{}",
            if generations[0].finished {
                " (stopped at end of sequence)"
            } else {
                ""
            }
        );
        Ok(())
    }

    /// The prompt of one JSONL line: its text as given (or its messages rendered, as the
    /// model sees them) and its ids.
    fn line_prompt(&self, line: &JsonlObject) -> Result<(String, Vec<u32>)> {
        let location = format!("{}:{}: ", line.path.display(), line.line);
        let prompt = line.optional_str("prompt")?;
        if prompt.is_some_and(|prompt| prompt.trim().is_empty()) {
            return Err(line.error("empty `prompt`: give some text"));
        }
        let (shown, text) = match (prompt, line.object.get("messages")) {
            (Some(prompt), _) if self.args.chat => (
                prompt.to_string(),
                self.render(vec![ChatMessage::new("user", prompt)])?,
            ),
            (Some(prompt), _) => (prompt.to_string(), prompt.to_string()),
            (None, Some(messages)) if self.args.chat => {
                let messages: Vec<ChatMessage> =
                    serde_json::from_value(messages.clone()).map_err(|error| {
                        line.error(format!(
                            "`messages` must be a list of {{role, content}}: {error}"
                        ))
                    })?;
                let text = self.render(messages)?;
                (text.clone(), text)
            }
            _ => {
                let expected = if self.args.chat {
                    "a string `prompt` or a `messages` list"
                } else {
                    "a string `prompt`"
                };
                return Err(line.error(format!("expected a JSON object with {expected}")));
            }
        };
        let ids = self.encode(&text, &location)?;
        Ok((shown, ids))
    }

    /// Generates after every prompt of a JSONL file, one JSON line each.
    fn file(&self, lines: &[JsonlObject], rng: &mut StdRng) -> Result<()> {
        let prompts = lines
            .iter()
            .map(|line| self.line_prompt(line))
            .collect::<Result<Vec<_>>>()?;
        let mut sink = JsonlSink::new(None);
        for chunk in prompts.chunks(self.args.batch_size) {
            let ids: Vec<Vec<u32>> = chunk.iter().map(|(_, ids)| ids.clone()).collect();
            let generations = self.policy.generate(&ids, &self.options, rng)?;
            for ((prompt, _), generation) in chunk.iter().zip(generations) {
                let completion = self.tokenizer.decode(&generation.tokens, true)?;
                sink.push(&json!({
                    "prompt": prompt,
                    "completion": completion,
                    "tokens": generation.tokens,
                    "finished": generation.finished,
                }))?;
            }
        }
        sink.finish()
    }
}
