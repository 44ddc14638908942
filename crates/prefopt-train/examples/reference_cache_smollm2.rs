//! Building and reusing the reference log-prob cache for SmolLM2-135M-Instruct on LLaMA-Factory's
//! 300 DPO pairs (`scripts/fetch-assets` fetches both).
//!
//! ```sh
//! cargo run -p prefopt-train --example reference_cache_smollm2 -- [PAIRS] [MAX_PROMPT] [MAX_COMPLETION] [BATCH]
//! ```
//!
//! Prompts are the conversation rendered by the model's chat template (generation prompt
//! added) and truncated to their last `MAX_PROMPT` tokens; completions are the chosen and
//! rejected answers with the end-of-turn token, truncated to their first `MAX_COMPLETION`
//! (defaults: 300 pairs, 128, 128, batch 8). The cache is built into a fresh temporary file,
//! then read back; the times, the file size and the weights-fingerprint time are printed.

use prefopt_core::burn::tensor::Device;
use prefopt_core::{
    ChatMessage, Policy, PreferenceBatch, PrefoptError, SequenceBatch, Split, Task, TaskBatch,
};
use prefopt_models::assets::smollm2_gguf_path;
use prefopt_models::causal_lm::load_policy;
use prefopt_train::reference_cache::{ReferenceCache, weights_fingerprint};
use rand::rngs::StdRng;
use serde_json::Value;
use std::time::Instant;

/// A tokenized pair.
#[derive(Debug)]
struct Row {
    prompt: Vec<u32>,
    chosen: Vec<u32>,
    rejected: Vec<u32>,
}

/// Tokenized pairs read by position (all in the training split).
#[derive(Debug)]
struct Pairs {
    rows: Vec<Row>,
}

impl Task for Pairs {
    fn training_batch(&self, _: &mut StdRng, _: usize, _: &Device) -> PreferenceBatch {
        unreachable!("read by position")
    }

    fn num_pairs(&self) -> Option<usize> {
        Some(self.rows.len())
    }

    fn examples(&self, split: Split) -> Option<usize> {
        Some(match split {
            Split::Train => self.rows.len(),
            Split::Eval => 0,
        })
    }

    fn batch_at(
        &self,
        _: Split,
        indices: &[usize],
        device: &Device,
    ) -> Result<TaskBatch, PrefoptError> {
        let pick = |completion: fn(&Row) -> &Vec<u32>| {
            let prompts: Vec<_> = indices
                .iter()
                .map(|&i| self.rows[i].prompt.clone())
                .collect();
            let completions: Vec<_> = indices
                .iter()
                .map(|&i| completion(&self.rows[i]).clone())
                .collect();
            SequenceBatch::from_ids(&prompts, &completions, 0, device)
        };
        Ok(TaskBatch::Pairs(PreferenceBatch {
            chosen: pick(|row| &row.chosen)?,
            rejected: pick(|row| &row.rejected)?,
            weights: None,
        }))
    }
}

fn arg(index: usize, default: usize) -> usize {
    std::env::args()
        .nth(index)
        .map_or(default, |text| text.parse().expect("a number"))
}

fn main() {
    let (pairs, max_prompt, max_completion, batch_size) =
        (arg(1, 300), arg(2, 128), arg(3, 128), arg(4, 8));
    let device = Device::default();
    let started = Instant::now();
    let policy = load_policy(&smollm2_gguf_path().unwrap(), &device).unwrap();
    let tokenizer = policy.tokenizer().unwrap();
    println!(
        "loaded SmolLM2-135M in {:.2}s",
        started.elapsed().as_secs_f64()
    );
    let end_of_turn = tokenizer.eos_token_ids()[0];
    let path = prefopt_core::assets::llamafactory_file("dpo_en_demo.json").unwrap();
    let data: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut rows = Vec::new();
    for example in data.iter().take(pairs) {
        let messages: Vec<ChatMessage> = example["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|turn| {
                let role = match turn["from"].as_str().unwrap() {
                    "human" => "user",
                    "gpt" => "assistant",
                    other => other,
                };
                ChatMessage::new(role, turn["value"].as_str().unwrap())
            })
            .collect();
        let prompt_text = tokenizer.apply_chat_template(&messages, true).unwrap();
        let mut prompt = tokenizer.encode(&prompt_text, false).unwrap();
        if prompt.len() > max_prompt {
            prompt.drain(..prompt.len() - max_prompt);
        }
        let completion = |answer: &Value| {
            let mut ids = tokenizer
                .encode(answer["value"].as_str().unwrap(), false)
                .unwrap();
            ids.push(end_of_turn);
            ids.truncate(max_completion);
            ids
        };
        rows.push(Row {
            prompt,
            chosen: completion(&example["chosen"]),
            rejected: completion(&example["rejected"]),
        });
    }
    let tokens: usize = rows
        .iter()
        .map(|row| 2 * row.prompt.len() + row.chosen.len() + row.rejected.len())
        .sum();
    let completion_tokens: usize = rows
        .iter()
        .map(|row| row.chosen.len() + row.rejected.len())
        .sum();
    println!(
        "{} pairs: {tokens} tokens in {} sequences ({completion_tokens} completion tokens)",
        rows.len(),
        2 * rows.len()
    );
    let task = Pairs { rows };
    let reference = policy.freeze();
    for _ in 0..2 {
        let started = Instant::now();
        let mut count = 0usize;
        reference.visit_parameters(&mut |_, _, values| count += values.len());
        println!(
            "reading {count} parameters to the host: {:.3}s",
            started.elapsed().as_secs_f64()
        );
    }
    for _ in 0..3 {
        let started = Instant::now();
        weights_fingerprint(&*reference).unwrap();
        println!(
            "weights fingerprint (134.5M parameters): {:.3}s",
            started.elapsed().as_secs_f64()
        );
    }
    let file = std::env::temp_dir().join(format!("prefopt-refcache-{}.bin", std::process::id()));
    let settings = format!(
        "chat template, max_prompt_length={max_prompt} (keep end), max_completion_length={max_completion}"
    );
    let cache = ReferenceCache::new(settings)
        .with_path(&file)
        .with_batch_size(batch_size);
    for attempt in ["build", "reuse"] {
        let started = Instant::now();
        let cached = cache.load_or_build(&task, &*reference, &device).unwrap();
        let timings = cached.timings();
        println!(
            "{attempt}: {:.2}s total (data fingerprint {:.3}s, weights fingerprint {:.3}s, forward passes {:.2}s, file {:.3}s), built = {}, {} rows, file {} bytes",
            started.elapsed().as_secs_f64(),
            timings.data_fingerprint,
            timings.weights_fingerprint,
            timings.build,
            timings.file,
            cached.was_built(),
            cached.len(),
            std::fs::metadata(&file).unwrap().len()
        );
    }
    std::fs::remove_file(&file).unwrap();
}
