//! The RLHF optimum of the `token_reward` task for a random causal LM as the reference:
//! `pi* = pi_ref exp(r / beta) / Z`, whose objective is `beta E_x[log Z(x)]`, with its mean true
//! reward `E_pi*[r]`, its KL to the reference `E_pi*[r] / beta - log Z`, its mean completion
//! length and the fraction of its completions without EOS.
//!
//! The reward (the fraction of a completion's non-stop tokens in the rewarded set) is not a sum
//! of per-token rewards: its denominator is the completion's length, which the policy chooses
//! by saying EOS. So `Z(x) = sum_y pi_ref(y|x) exp(r(y)/beta)` is computed over completions:
//! exactly for those of at most 2 tokens before EOS (every such completion enumerated, 63^2
//! sequences per prompt), and by Monte Carlo for the longer ones, sampling token sequences
//! from the reference with EOS removed and weighting them by the probability of not saying EOS
//! so far, with the EOS decision at every prefix summed out exactly (Rao-Blackwellized). The
//! standard errors come from independent replicates of the sampled part.
//!
//! The reference is rebuilt as a run builds it (`[policy] tiny = true`, the policy of
//! `tests/rlhf_lm.rs`, seed 0; or `untied`, the same architecture with a head of its own),
//! and checked by repeating the run's own sampled evaluation of it, whose `reward/true` the run
//! logs at step 0.
//!
//! ```sh
//! cargo run -p prefopt-ppo --example token_reward_optimum -- [tied|untied] [samples per prompt]
//! ```

use prefopt_core::burn::tensor::activation::log_softmax;
use prefopt_core::burn::tensor::{Device, Int, Tensor, TensorData};
use prefopt_core::{Policy, RewardModel, SamplingOptions, Task, TrainConfig};
use prefopt_data::{TokenRewardConfig, TokenRewardTask, TokenSetReward};
use prefopt_models::{CausalLm, CausalLmConfig, CausalLmPolicy};
use prefopt_ppo::sampled_eval::{SampledAnswer, SampledEvalSize};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The stop token of the task and the model.
const EOS: usize = 2;
/// `[algorithm.sampling] max_new_tokens` of the runs.
const MAX_NEW_TOKENS: usize = 8;
/// Completions of up to this many tokens before EOS are enumerated.
const EXACT_DEPTH: usize = 2;
/// Independent replicates of the sampled part (for the standard errors).
const REPLICATES: usize = 8;
/// Rows per forward pass.
const BATCH: usize = 2048;

/// One completion's contribution to `Z`, weighted: its probability under the reference
/// (`weight`), its count of rewarded tokens and of non-stop tokens, and its length as
/// `completions/mean_length` counts it (EOS included).
#[derive(Debug, Clone, Copy)]
struct Term {
    weight: f64,
    hits: usize,
    tokens: usize,
    clipped: bool,
}

impl Term {
    /// The true reward of the completion.
    fn reward(&self) -> f64 {
        if self.tokens == 0 {
            0.0
        } else {
            self.hits as f64 / self.tokens as f64
        }
    }

    /// Its length in generated tokens (EOS counted, as `completions/mean_length`).
    fn length(&self) -> f64 {
        if self.clipped {
            self.tokens as f64
        } else {
            self.tokens as f64 + 1.0
        }
    }
}

/// Sums over completions of one prompt at one beta (`None`: the reference itself).
#[derive(Debug, Default, Clone, Copy)]
struct Sums {
    z: f64,
    reward: f64,
    length: f64,
    clipped: f64,
    /// `z` and `reward` over the completions of [`MAX_NEW_TOKENS`] tokens only.
    z_full: f64,
    reward_full: f64,
}

impl Sums {
    fn add(&mut self, term: &Term, beta: Option<f64>, scale: f64) {
        let tilt = beta.map_or(1.0, |beta| (term.reward() / beta).exp());
        let w = term.weight * tilt * scale;
        self.z += w;
        self.reward += w * term.reward();
        self.length += w * term.length();
        if term.clipped {
            self.clipped += w;
            self.z_full += w;
            self.reward_full += w * term.reward();
        }
    }

    fn plus(self, other: Sums) -> Sums {
        Sums {
            z: self.z + other.z,
            reward: self.reward + other.reward,
            length: self.length + other.length,
            clipped: self.clipped + other.clipped,
            z_full: self.z_full + other.z_full,
            reward_full: self.reward_full + other.reward_full,
        }
    }
}

/// `[rows, vocab]` next-token log-probs at the last position of each row of `ids`.
///
/// # Shapes
/// `ids`: `rows` sequences of `len` ids -> `rows * vocab` values, row-major.
fn next_logps(model: &CausalLm, ids: &[i64], rows: usize, len: usize, device: &Device) -> Vec<f64> {
    let tokens = Tensor::<2, Int>::from_data(TensorData::new(ids.to_vec(), [rows, len]), device);
    let logits = model.forward(tokens);
    let vocab = logits.dims()[2];
    let last = logits
        .slice([0..rows, len - 1..len, 0..vocab])
        .reshape([rows, vocab]);
    log_softmax(last, 1)
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .expect("f32 log-probs")
        .into_iter()
        .map(f64::from)
        .collect()
}

/// Every completion of at most [`EXACT_DEPTH`] tokens before EOS, with its exact probability.
fn exact_terms(
    model: &CausalLm,
    prompt: &[u32],
    reward: &TokenSetReward,
    vocab: usize,
    device: &Device,
) -> Vec<Term> {
    let mut terms = Vec::new();
    // Prefixes of non-EOS tokens, level by level, with their probabilities.
    let mut level: Vec<(Vec<u32>, f64)> = vec![(Vec::new(), 1.0)];
    for depth in 0..=EXACT_DEPTH {
        let len = prompt.len() + depth;
        let mut next_level = Vec::new();
        for chunk in level.chunks(BATCH) {
            let ids: Vec<i64> = chunk
                .iter()
                .flat_map(|(prefix, _)| prompt.iter().chain(prefix).map(|&id| i64::from(id)))
                .collect();
            let logps = next_logps(model, &ids, chunk.len(), len, device);
            for ((prefix, p), row) in chunk.iter().zip(logps.chunks(vocab)) {
                terms.push(Term {
                    weight: p * row[EOS].exp(),
                    hits: prefix.iter().filter(|&&id| reward.is_rewarded(id)).count(),
                    tokens: prefix.len(),
                    clipped: false,
                });
                if depth < EXACT_DEPTH {
                    for (id, logp) in row.iter().enumerate().filter(|&(id, _)| id != EOS) {
                        let mut longer = prefix.clone();
                        longer.push(id as u32);
                        next_level.push((longer, p * logp.exp()));
                    }
                }
            }
        }
        level = next_level;
    }
    terms
}

/// The completions of more than [`EXACT_DEPTH`] tokens before EOS, sampled: `samples` token
/// paths drawn from the reference with EOS removed, each returning, per length `t >
/// EXACT_DEPTH`, the term of "EOS after `t` tokens" (weight: the path's probability of no EOS
/// so far times the EOS probability) and the clipped completion of `MAX_NEW_TOKENS` tokens.
/// Each path's terms sum to an unbiased estimate of those completions' part of `Z`.
fn sampled_paths(
    model: &CausalLm,
    prompt: &[u32],
    reward: &TokenSetReward,
    vocab: usize,
    samples: usize,
    rng: &mut StdRng,
    device: &Device,
) -> Vec<Vec<Term>> {
    let mut paths = Vec::with_capacity(samples);
    let mut left = samples;
    while left > 0 {
        let rows = left.min(BATCH);
        left -= rows;
        let mut prefixes: Vec<Vec<u32>> = vec![Vec::new(); rows];
        let mut weights = vec![1.0f64; rows];
        let mut terms: Vec<Vec<Term>> = vec![Vec::new(); rows];
        for depth in 0..=MAX_NEW_TOKENS {
            let term = |prefix: &Vec<u32>, weight: f64, clipped: bool| Term {
                weight,
                hits: prefix.iter().filter(|&&id| reward.is_rewarded(id)).count(),
                tokens: prefix.len(),
                clipped,
            };
            if depth == MAX_NEW_TOKENS {
                for row in 0..rows {
                    terms[row].push(term(&prefixes[row], weights[row], true));
                }
                break;
            }
            let ids: Vec<i64> = prefixes
                .iter()
                .flat_map(|prefix| prompt.iter().chain(prefix).map(|&id| i64::from(id)))
                .collect();
            let logps = next_logps(model, &ids, rows, prompt.len() + depth, device);
            for (row, logp) in logps.chunks(vocab).enumerate() {
                let eos = logp[EOS].exp();
                if depth > EXACT_DEPTH {
                    terms[row].push(term(&prefixes[row], weights[row] * eos, false));
                }
                // Draw the next token from the reference without EOS.
                let mut u = rng.random::<f64>() * (1.0 - eos);
                let mut chosen = vocab - 1;
                for (id, lp) in logp.iter().enumerate() {
                    if id == EOS {
                        continue;
                    }
                    u -= lp.exp();
                    if u <= 0.0 {
                        chosen = id;
                        break;
                    }
                }
                prefixes[row].push(chosen as u32);
                weights[row] *= 1.0 - eos;
            }
        }
        paths.extend(terms);
    }
    paths
}

/// The summaries over prompts of one beta: the objective `beta mean log Z`, `E_pi*[r]`,
/// `KL(pi* || pi_ref)`, the mean length and the clipped fraction; then the objective, `E[r]`
/// and KL of `pi_full`, the optimum among policies that never say EOS (`pi_ref exp(r / beta)`
/// on the completions of [`MAX_NEW_TOKENS`] tokens, normalized).
fn summarize(per_prompt: &[Sums], beta: Option<f64>) -> [f64; 8] {
    let n = per_prompt.len() as f64;
    let mut out = [0.0; 8];
    for sums in per_prompt {
        if let Some(beta) = beta {
            let reward = sums.reward_full / sums.z_full;
            out[5] += beta * sums.z_full.ln() / n;
            out[6] += reward / n;
            out[7] += (reward / beta - sums.z_full.ln()) / n;
        }
        let reward = sums.reward / sums.z;
        out[1] += reward / n;
        if let Some(beta) = beta {
            out[0] += beta * sums.z.ln() / n;
            out[2] += (reward / beta - sums.z.ln()) / n;
        } else {
            out[0] += reward / n;
        }
        out[3] += sums.length / sums.z / n;
        out[4] += sums.clipped / sums.z / n;
    }
    out
}

/// The same quantities for a uniform reference over the 64 ids (8 rewarded, 1 EOS), in closed
/// form: a completion's probability depends only on its length and its count of rewarded ids.
/// Prints `pi*`'s objective, `E[r]`, KL and mean length, and those of the optimum that never
/// says EOS, where the reward `k / 8` is a sum over tokens and the optimum a product of
/// identical per-token distributions: each token rewarded with probability
/// `8 e^(1/(8 beta)) / (8 e^(1/(8 beta)) + 55)`.
fn uniform(beta: f64) {
    let binomial = |n: usize, k: usize| -> f64 {
        (0..k).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64)
    };
    let (eos, hit, miss): (f64, f64, f64) = (1.0 / 64.0, 8.0 / 64.0, 55.0 / 64.0);
    let mut sums = Sums::default();
    for tokens in 0..=MAX_NEW_TOKENS {
        let clipped = tokens == MAX_NEW_TOKENS;
        for hits in 0..=tokens {
            let p = binomial(tokens, hits)
                * hit.powi(hits as i32)
                * miss.powi((tokens - hits) as i32)
                * if clipped { 1.0 } else { eos };
            let term = Term {
                weight: p,
                hits,
                tokens,
                clipped,
            };
            sums.add(&term, Some(beta), 1.0);
        }
    }
    let s = summarize(&[sums], Some(beta));
    let tilt = (1.0 / (MAX_NEW_TOKENS as f64 * beta)).exp();
    let per_token = 8.0 * tilt / (8.0 * tilt + 55.0);
    // The product form: log Z = 8 log((55 + 8 tilt) / 64), E[r] = per_token.
    let z_product = MAX_NEW_TOKENS as f64 * ((55.0 + 8.0 * tilt) / 64.0).ln();
    println!(
        "uniform reference, beta {beta}: pi* objective {:.4}, E[r] {:.4}, KL {:.3}, mean length \
         {:.3}, clipped {:.3}; never saying EOS: objective {:.4} (product form {:.4}), E[r] {:.4} \
         (per-token {per_token:.4}), KL {:.3}",
        s[0],
        s[1],
        s[2],
        s[3],
        s[4],
        s[5],
        beta * z_product,
        s[6],
        s[7]
    );
}

/// `CausalLmConfig::tiny`, with its head tied to the token embedding or not.
fn architecture(tied: bool) -> CausalLmConfig {
    CausalLmConfig {
        tie_word_embeddings: tied,
        ..CausalLmConfig::tiny()
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let tied = args.next().as_deref() != Some("untied");
    let samples: usize = args.next().map_or(16384, |s| s.parse().expect("samples"));
    let seeds = [1u64, 2, 3, 4];
    let betas = [0.1, 0.3];
    let train_device = Device::default().autodiff();
    let config = architecture(tied);
    let policy = CausalLmPolicy::random(config.clone(), 0, &train_device).expect("policy");
    let reference = policy.freeze();
    let model = policy.merged_model();
    let device = model.embedding.weight.device();
    let vocab = config.vocab_size;
    let options = SamplingOptions {
        max_new_tokens: MAX_NEW_TOKENS,
        stop_token_ids: vec![EOS as u32],
        ..SamplingOptions::default()
    };
    for beta in betas {
        uniform(beta);
    }
    println!(
        "reference: {} head, {samples} sampled paths per prompt in {REPLICATES} replicates",
        if tied { "tied" } else { "untied" }
    );
    for seed in seeds {
        let started = std::time::Instant::now();
        let task = TokenRewardTask::new(&TokenRewardConfig::default(), seed).expect("task");
        let reward = task.reward();
        let prompts = task.prompts().expect("prompts").to_vec();
        let check = SampledAnswer::new(
            &prompts,
            Some(reward as &dyn RewardModel),
            None,
            SampledEvalSize::of(&TrainConfig::default()),
            &policy,
            &options,
            &Device::default(),
            seed,
        )
        .and_then(|answer| answer.evaluate(&policy, &*reference, &Device::default()))
        .expect("evaluation");
        let mut rng = StdRng::seed_from_u64(seed);
        let mut exact = Vec::new();
        let mut sampled = Vec::new();
        for prompt in &prompts {
            exact.push(exact_terms(&model, prompt, reward, vocab, &device));
            sampled.push(sampled_paths(
                &model, prompt, reward, vocab, samples, &mut rng, &device,
            ));
        }
        let exact_mass: f64 =
            exact.iter().flatten().map(|t| t.weight).sum::<f64>() / prompts.len() as f64;
        println!(
            "seed {seed}: the run's evaluation of the reference: reward/true {:.4}; \
             P(EOS within {EXACT_DEPTH} tokens) {exact_mass:.4}; {:.1} s",
            check[0].1,
            started.elapsed().as_secs_f64()
        );
        for beta in std::iter::once(None).chain(betas.iter().copied().map(Some)) {
            let sums_of = |paths: &[Vec<Term>], exact: &[Term]| {
                let mut sums = Sums::default();
                for term in exact {
                    sums.add(term, beta, 1.0);
                }
                let mut tail = Sums::default();
                for term in paths.iter().flatten() {
                    tail.add(term, beta, 1.0 / paths.len() as f64);
                }
                sums.plus(tail)
            };
            let whole: Vec<Sums> = exact
                .iter()
                .zip(&sampled)
                .map(|(exact, paths)| sums_of(paths, exact))
                .collect();
            let estimate = summarize(&whole, beta);
            let replicates: Vec<[f64; 8]> = (0..REPLICATES)
                .map(|r| {
                    let per: Vec<Sums> = exact
                        .iter()
                        .zip(&sampled)
                        .map(|(exact, paths)| {
                            let size = paths.len() / REPLICATES;
                            sums_of(&paths[r * size..(r + 1) * size], exact)
                        })
                        .collect();
                    summarize(&per, beta)
                })
                .collect();
            let se: Vec<f64> = (0..8)
                .map(|i| {
                    let mean = replicates.iter().map(|r| r[i]).sum::<f64>() / REPLICATES as f64;
                    let var = replicates
                        .iter()
                        .map(|r| (r[i] - mean).powi(2))
                        .sum::<f64>()
                        / (REPLICATES - 1) as f64;
                    // The whole sample's standard error: a replicate's over sqrt(REPLICATES).
                    (var / REPLICATES as f64).sqrt()
                })
                .collect();
            match beta {
                None => println!(
                    "  reference: E[r] {:.4} ± {:.4}, mean length {:.3}, clipped {:.3}",
                    estimate[1], se[1], estimate[3], estimate[4]
                ),
                Some(beta) => println!(
                    "  pi* at beta {beta}: objective {:.4} ± {:.4}, E[r] {:.4} ± {:.4}, \
                     KL {:.3} ± {:.3} (bound (1 - E_ref r)/beta), mean length {:.3}, \
                     clipped {:.3}",
                    estimate[0],
                    se[0],
                    estimate[1],
                    se[1],
                    estimate[2],
                    se[2],
                    estimate[3],
                    estimate[4]
                ),
            }
            if let Some(beta) = beta {
                println!(
                    "  never saying EOS, at beta {beta}: objective {:.4} ± {:.4}, E[r] {:.4} ± \
                     {:.4}, KL {:.3} ± {:.3}",
                    estimate[5], se[5], estimate[6], se[6], estimate[7], se[7]
                );
            }
        }
    }
}
