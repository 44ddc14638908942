//! Generation throughput: greedy decoding with the key/value cache through [`Policy::generate`].

use super::stats::Summary;
use prefopt_core::{Policy, PrefoptError, SamplingOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::time::Instant;

/// Generation timings of one batch size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GenerationTiming {
    /// Prompts decoded together.
    pub batch: usize,
    /// Tokens of each prompt.
    pub prompt_tokens: usize,
    /// Tokens generated per prompt.
    pub new_tokens: usize,
    /// Seconds per `generate` call (prompt pass and every decoding step), after the warm-up.
    pub seconds: Summary,
    /// Generated tokens per second at the median: `batch * new_tokens / median`.
    pub tokens_per_s: f64,
}

/// `batch` prompts of `len` uniformly random ids below `vocab`, seeded by `seed`.
pub fn random_prompts(batch: usize, len: usize, vocab: usize, seed: u64) -> Vec<Vec<u32>> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..batch)
        .map(|_| {
            (0..len)
                .map(|_| rng.random_range(0..vocab as u32))
                .collect()
        })
        .collect()
}

/// Times greedy generation of exactly `new_tokens` tokens after each of `prompts` (no stop
/// token), `repeats` calls after one warm-up call, as transformers' `generate` is timed in
/// `scripts/perf/torch_generate.py` (greedy, `min_new_tokens = max_new_tokens`).
///
/// # Errors
/// When the policy cannot generate, or a call returns fewer tokens than asked.
pub fn time_generation(
    policy: &dyn Policy,
    prompts: &[Vec<u32>],
    new_tokens: usize,
    repeats: usize,
) -> Result<GenerationTiming, PrefoptError> {
    let options = SamplingOptions::greedy(new_tokens);
    let mut rng = StdRng::seed_from_u64(0);
    let mut seconds = Vec::with_capacity(repeats);
    for repeat in 0..=repeats {
        let started = Instant::now();
        let generations = policy.generate(prompts, &options, &mut rng)?;
        let elapsed = started.elapsed().as_secs_f64();
        let produced: usize = generations.iter().map(|g| g.tokens.len()).sum();
        if produced != prompts.len() * new_tokens {
            return Err(PrefoptError::Numerical(format!(
                "generation produced {produced} tokens, expected {} ({} prompts x {new_tokens})",
                prompts.len() * new_tokens,
                prompts.len()
            )));
        }
        if repeat > 0 {
            seconds.push(elapsed);
        }
    }
    let seconds = Summary::of(&seconds).ok_or_else(|| {
        PrefoptError::Numerical("generation timings: no repeat, or a non-finite time".into())
    })?;
    Ok(GenerationTiming {
        batch: prompts.len(),
        prompt_tokens: prompts.first().map_or(0, Vec::len),
        new_tokens,
        tokens_per_s: (prompts.len() * new_tokens) as f64 / seconds.median,
        seconds,
    })
}
