//! Measures SmolLM2-135M-Instruct on this machine: GGUF load time, greedy generation speed
//! (batch 1, 64 tokens), one forward + backward pass of 4 sequences x 128 tokens, and peak
//! resident memory. Run with `cargo run --release -p prefopt-models --example smollm2_bench`.

use prefopt_core::burn::tensor::Device;
use prefopt_core::{Policy, SamplingOptions, SequenceBatch};
use prefopt_models::assets::smollm2_gguf_path;
use prefopt_models::causal_lm::CausalLmPolicy;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::time::Instant;

/// Peak resident set size (`VmHWM`) in MiB, on Linux.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = smollm2_gguf_path()?;
    let device = Device::default();

    let started = Instant::now();
    let policy = CausalLmPolicy::from_gguf(&path, &device)?;
    println!(
        "load: {:.2?} ({} parameters)",
        started.elapsed(),
        policy.num_params()
    );
    println!(
        "peak RSS after load: {:.0} MiB",
        peak_rss_mib().unwrap_or(f64::NAN)
    );

    let prompt: Vec<u32> = vec![504, 7704, 436];
    let options = SamplingOptions::greedy(64);
    let mut rng = StdRng::seed_from_u64(0);
    let started = Instant::now();
    let generation = policy.generate(&[prompt], &options, &mut rng)?;
    let elapsed = started.elapsed();
    let tokens = generation[0].tokens.len();
    println!(
        "generate: {tokens} tokens in {elapsed:.2?} = {:.1} tokens/s (greedy, batch 1)",
        tokens as f64 / elapsed.as_secs_f64()
    );
    println!(
        "peak RSS after generate: {:.0} MiB",
        peak_rss_mib().unwrap_or(f64::NAN)
    );

    let train_device = device.autodiff();
    let policy = CausalLmPolicy::from_gguf(&path, &train_device)?;
    let prompts: Vec<Vec<u32>> = (0..4)
        .map(|row| {
            (0..64)
                .map(|t| ((row * 977 + t * 131) % 49152) as u32)
                .collect()
        })
        .collect();
    let completions: Vec<Vec<u32>> = (0..4)
        .map(|row| {
            (0..64)
                .map(|t| ((row * 313 + t * 71 + 5) % 49152) as u32)
                .collect()
        })
        .collect();
    let batch = SequenceBatch::from_ids(&prompts, &completions, 2, &train_device)?;
    for round in 0..2 {
        let started = Instant::now();
        let loss = policy.sequence_logps(&batch).sum().neg();
        let forward = started.elapsed();
        let grads = loss.backward();
        let total = started.elapsed();
        drop(grads);
        println!(
            "forward+backward, 4 x 128 tokens (round {round}): forward {forward:.2?}, total {total:.2?}"
        );
    }
    println!("peak RSS: {:.0} MiB", peak_rss_mib().unwrap_or(f64::NAN));
    Ok(())
}
