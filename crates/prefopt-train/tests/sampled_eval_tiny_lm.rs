//! The sampled evaluation against exact enumeration on a tiny causal LM whose completions can
//! all be listed: a vocabulary of 6 ids (EOS 2) and completions of at most 3 tokens, ending at
//! EOS or at the length limit (`6^0 + 5 + 5^2 * 6 = 156` per prompt, exactly those
//! `Policy::generate` can return with `max_new_tokens = 3` and stop token 2). Their
//! probabilities come from `Policy::token_logps`, so `log Z(x)`, `E_pi[r]`, `KL(pi || pi_ref)`
//! and `KL(pi || pi*)` are exact sums; over seeded repetitions the sampled estimates' `+-1.96`
//! standard-error intervals cover them in at least 90%.
//!
//! `cargo test -p prefopt-train --test sampled_eval_tiny_lm -- --nocapture` prints the measured
//! coverage.

use prefopt_core::burn::tensor::{Device, Tensor, TensorData};
use prefopt_core::math::log_sum_exp;
use prefopt_core::{MetricValues, Policy, RewardModel, SamplingOptions, SequenceBatch};
use prefopt_models::seeded::seeded_module;
use prefopt_models::{CausalLm, CausalLmConfig, CausalLmPolicy};
use prefopt_train::sampled_eval::{SampledAnswer, SampledEvalSize};

const EOS: u32 = 2;
const VOCAB: u32 = 6;
const MAX_NEW_TOKENS: usize = 3;
const BETA: f64 = 1.0;
/// The factor on the random token embedding.
const SCALE: f64 = 10.0;
const Z_95: f64 = 1.96;

fn config() -> CausalLmConfig {
    CausalLmConfig {
        vocab_size: VOCAB as usize,
        hidden_size: 16,
        intermediate_size: 24,
        num_layers: 1,
        num_heads: 2,
        num_kv_heads: 1,
        head_dim: 8,
        max_position_embeddings: 16,
        ..CausalLmConfig::tiny()
    }
}

/// A random model whose token embedding (tied to the head) is scaled up, so its next-token
/// distributions are far from uniform and two seeds give clearly different policies.
fn policy(seed: u64, device: &Device) -> CausalLmPolicy {
    let config = config();
    let mut model = seeded_module(device, seed, || CausalLm::init(&config, device));
    model.embedding.weight = model
        .embedding
        .weight
        .map(|weight| weight.mul_scalar(SCALE));
    CausalLmPolicy::new(model, config, None)
}

/// `r(x, y)`: +1 for each id 3, -0.5 for each id 4 in the completion, +0.25 when it ended at
/// EOS.
#[derive(Debug)]
struct CountReward;

impl CountReward {
    fn of(completion: &[u32]) -> f64 {
        completion
            .iter()
            .map(|&id| match id {
                3 => 1.0,
                4 => -0.5,
                EOS => 0.25,
                _ => 0.0,
            })
            .sum()
    }
}

impl RewardModel for CountReward {
    fn score(&self, batch: &SequenceBatch) -> Tensor<1> {
        let [rows, width] = batch.completions.dims();
        let ids: Vec<i64> = batch
            .completions
            .to_data()
            .convert::<i64>()
            .try_to_vec::<i64>()
            .unwrap();
        let mask: Vec<f32> = batch
            .completion_mask
            .to_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .unwrap();
        let scores: Vec<f32> = (0..rows)
            .map(|row| {
                let completion: Vec<u32> = (0..width)
                    .filter(|&t| mask[row * width + t] > 0.0)
                    .map(|t| ids[row * width + t] as u32)
                    .collect();
                Self::of(&completion) as f32
            })
            .collect();
        Tensor::from_data(TensorData::new(scores, [rows]), &batch.prompts.device())
    }
}

/// Every completion generation can return: up to `MAX_NEW_TOKENS` ids, EOS only last, and
/// shorter than the limit only when it ends at EOS.
fn every_completion() -> Vec<Vec<u32>> {
    let mut done = Vec::new();
    let mut open = vec![Vec::new()];
    for _ in 0..MAX_NEW_TOKENS {
        let mut next = Vec::new();
        for prefix in &open {
            for id in 0..VOCAB {
                let mut completion: Vec<u32> = prefix.clone();
                completion.push(id);
                if id == EOS {
                    done.push(completion);
                } else {
                    next.push(completion);
                }
            }
        }
        open = next;
    }
    done.extend(open);
    done
}

fn host(tensor: Tensor<1>) -> Vec<f64> {
    let values: Vec<f32> = tensor
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap();
    values.into_iter().map(f64::from).collect()
}

/// The exact values, averaged over prompts.
#[derive(Debug)]
struct Exact {
    reward: f64,
    kl_reference: f64,
    kl_optimal: f64,
    log_z: f64,
}

fn exact(
    prompts: &[Vec<u32>],
    policy: &dyn Policy,
    reference: &dyn Policy,
    device: &Device,
) -> Exact {
    let completions = every_completion();
    assert_eq!(completions.len(), 156);
    let mut sums = Exact {
        reward: 0.0,
        kl_reference: 0.0,
        kl_optimal: 0.0,
        log_z: 0.0,
    };
    let count = prompts.len() as f64;
    for prompt in prompts {
        let rows = vec![prompt.clone(); completions.len()];
        let batch = SequenceBatch::from_ids(&rows, &completions, 0, device).unwrap();
        let logps = host(policy.sequence_logps(&batch));
        let reference_logps = host(reference.sequence_logps(&batch));
        let rewards = host(CountReward.score(&batch));
        for distribution in [&logps, &reference_logps] {
            let mass: f64 = distribution.iter().map(|l| l.exp()).sum();
            assert!(
                (mass - 1.0).abs() < 1e-4,
                "the completions hold mass {mass}"
            );
        }
        let log_z = log_sum_exp(
            &reference_logps
                .iter()
                .zip(&rewards)
                .map(|(l, r)| l + r / BETA)
                .collect::<Vec<_>>(),
        );
        for ((logp, reference_logp), reward) in logps.iter().zip(&reference_logps).zip(&rewards) {
            let p = logp.exp();
            sums.reward += p * reward / count;
            sums.kl_reference += p * (logp - reference_logp) / count;
            sums.kl_optimal += p * (logp - reference_logp - reward / BETA + log_z) / count;
        }
        sums.log_z += log_z / count;
        // The relative variance of the weights exp(r/beta) under pi_ref: the delta method's
        // error bars hold once the reference samples far outnumber it.
        let second = log_sum_exp(
            &reference_logps
                .iter()
                .zip(&rewards)
                .map(|(l, r)| l + 2.0 * r / BETA)
                .collect::<Vec<_>>(),
        );
        println!(
            "prompt {prompt:?}: log Z {log_z:.4}, Var(w) / E[w]^2 {:.3}",
            (second - 2.0 * log_z).exp() - 1.0
        );
    }
    sums
}

fn get(metrics: &MetricValues, name: &str) -> f64 {
    metrics
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} in {metrics:?}"))
        .1
}

#[test]
fn sampled_estimates_cover_exact_enumeration_in_at_least_90_percent_of_repetitions() {
    let device = Device::default();
    let reference = policy(1, &device);
    let trained = policy(2, &device);
    let prompts = vec![vec![1, 3], vec![1, 4, 4], vec![1, 5]];
    let truth = exact(&prompts, &trained, &reference, &device);
    println!("exact: {truth:?}");
    assert!(
        truth.kl_reference > 0.1 && truth.kl_optimal > 0.1,
        "{truth:?}"
    );
    let options = SamplingOptions {
        max_new_tokens: MAX_NEW_TOKENS,
        stop_token_ids: vec![EOS],
        ..SamplingOptions::default()
    };
    let frozen = reference.freeze();
    let names = ["reward/true", "kl/reference", "kl/optimal", "log_z"];
    let exact_values = [
        truth.reward,
        truth.kl_reference,
        truth.kl_optimal,
        truth.log_z,
    ];
    let repetitions = 300;
    // The weights' relative variance reaches 7 at one prompt: with 16 reference samples per
    // prompt the error bars of log Z miss often; the assertions on log Z and KL(pi || pi*) are
    // made at 256.
    for reference_samples in [16, 64, 256] {
        let size = SampledEvalSize {
            completions: 96,
            reference_samples,
        };
        let mut hits = [0usize; 4];
        let mut errors = [0.0f64; 4];
        let started = std::time::Instant::now();
        for seed in 0..repetitions {
            let answer = SampledAnswer::new(
                &prompts,
                Some(&CountReward),
                Some(BETA),
                size,
                &reference,
                &options,
                &device,
                seed,
            )
            .unwrap();
            let metrics = answer.evaluate(&trained, &*frozen, &device).unwrap();
            for (index, name) in names.iter().enumerate() {
                let value = get(&metrics, name);
                let std_err = get(&metrics, &format!("{name}_se"));
                let error = value - exact_values[index];
                hits[index] += usize::from(error.abs() <= Z_95 * std_err);
                errors[index] += error / repetitions as f64;
            }
        }
        println!(
            "N = {reference_samples} reference samples per prompt, 32 policy samples per \
             prompt, {repetitions} repetitions in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        for (index, name) in names.iter().enumerate() {
            println!(
                "  {name}: exact {:.4}, mean error {:+.4}, 95% interval coverage {:.3}",
                exact_values[index],
                errors[index],
                hits[index] as f64 / repetitions as f64
            );
        }
        for (index, name) in names.iter().enumerate() {
            let coverage = hits[index] as f64 / repetitions as f64;
            if index >= 2 && reference_samples < 256 {
                continue;
            }
            assert!(
                coverage >= 0.9,
                "{name}: the interval covers the exact {} in {coverage} of {repetitions} \
                 repetitions with {reference_samples} reference samples per prompt",
                exact_values[index]
            );
        }
    }
}
