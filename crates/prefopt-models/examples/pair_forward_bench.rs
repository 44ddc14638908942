//! Times the log-prob part of a DPO step (the policy's forward and backward on a batch of
//! pairs, and the frozen reference's forward) with each prompt run once for both completions
//! ([`PairForward::SharedPrefix`]) and with `[chosen; rejected]` as full sequences
//! ([`PairForward::Concatenated`]), alternating the two so that both see the same machine load.
//!
//! `cargo run --release -p prefopt-models --example pair_forward_bench -- tiny|smollm2 [PAIRS]
//! [SEQ] [ROUNDS]`: random weights of that shape, PAIRS pairs (default 8 for tiny, 4 for
//! smollm2) of SEQ tokens (default 128), half of them the prompt.

use prefopt_core::burn::tensor::Device;
use prefopt_core::burn::tensor::activation::log_sigmoid;
use prefopt_core::{Policy, PreferenceBatch};
use prefopt_models::bench::BenchShape;
use prefopt_models::causal_lm::{CausalLmConfig, CausalLmPolicy, PairForward};
use std::time::Instant;

/// The benchmark shapes of `prefopt bench` ([`BenchShape`]) and their default pairs per step
/// (those of `scripts/perf/torch_dpo_step.py`).
fn shape(name: &str) -> Option<(CausalLmConfig, usize)> {
    let shape = BenchShape::from_name(name)?;
    let pairs = match shape {
        BenchShape::Tiny => 8,
        BenchShape::Smollm2 => 4,
    };
    Some((shape.config(), pairs))
}

/// `rows` sequences of `len` pseudo-random ids below `vocab`.
fn ids(rows: usize, len: usize, vocab: usize, salt: usize) -> Vec<Vec<u32>> {
    (0..rows)
        .map(|row| {
            (0..len)
                .map(|t| ((row * 7919 + t * 104_729 + salt * 15_485_863) % vocab) as u32)
                .collect()
        })
        .collect()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.first().map_or("tiny", String::as_str);
    let (config, default_pairs) =
        shape(name).ok_or_else(|| format!("unknown shape {name:?}: expected tiny or smollm2"))?;
    let pairs: usize = args.get(1).map_or(Ok(default_pairs), |s| s.parse())?;
    let seq: usize = args.get(2).map_or(Ok(128), |s| s.parse())?;
    let rounds: usize = args.get(3).map_or(Ok(6), |s| s.parse())?;
    let (prompt_len, completion_len) = (seq / 2, seq - seq / 2);
    let vocab = config.vocab_size;

    let plain = Device::default();
    let device = plain.clone().autodiff();
    let policy = CausalLmPolicy::random(config, 0, &device)?;
    let prompts = ids(pairs, prompt_len, vocab, 1);
    let chosen = ids(pairs, completion_len, vocab, 2);
    let rejected = ids(pairs, completion_len, vocab, 3);
    let batch = PreferenceBatch::from_ids(&prompts, &chosen, &rejected, 0, &device)?;
    let plain_batch = PreferenceBatch::from_ids(&prompts, &chosen, &rejected, 0, &plain)?;

    let modes = [PairForward::SharedPrefix, PairForward::Concatenated];
    let mut policy = Some(policy);
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut reference_times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut losses = [0.0f32; 2];
    // Round 0 warms up both modes and is not counted.
    for round in 0..=rounds {
        for (index, &mode) in modes.iter().enumerate() {
            let scored = policy.take().expect("policy").with_pair_forward(mode);
            let frozen = scored.freeze();
            let started = Instant::now();
            let (reference_chosen, reference_rejected) = frozen.pair_sequence_logps(&plain_batch);
            let reference_s = started.elapsed().as_secs_f64();
            let (policy_chosen, policy_rejected) = scored.pair_sequence_logps(&batch);
            let margin = (policy_chosen - reference_chosen.to_device(&device))
                - (policy_rejected - reference_rejected.to_device(&device));
            let loss = -log_sigmoid(margin * 0.1).mean();
            losses[index] = loss.clone().into_scalar::<f32>();
            let grads = loss.backward();
            drop(grads);
            let step_s = started.elapsed().as_secs_f64();
            if round > 0 {
                times[index].push(step_s);
                reference_times[index].push(reference_s);
            }
            policy = Some(scored);
        }
    }
    println!(
        "{name}: {pairs} pairs x {seq} tokens ({prompt_len} prompt), {rounds} rounds, {} threads",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut medians = [0.0; 2];
    for (index, mode) in modes.iter().enumerate() {
        medians[index] = median(&mut times[index]);
        let reference_median = median(&mut reference_times[index]);
        println!(
            "{mode:?}: step (reference forward + policy forward and backward) median {:.4} s \
             [min {:.4}, max {:.4}], reference forward {:.4} s, loss {}",
            medians[index],
            times[index][0],
            times[index][times[index].len() - 1],
            reference_median,
            losses[index]
        );
    }
    println!(
        "shared prefix / concatenated: {:.3}",
        medians[0] / medians[1]
    );
    Ok(())
}
