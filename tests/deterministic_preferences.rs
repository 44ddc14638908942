//! Deterministic preferences (Azar et al. 2023, arXiv:2310.12036, §4.2): when the better action
//! always wins, DPO has no finite minimizer and drives every losing action's probability toward
//! 0 whatever beta, while IPO converges at a finite KL from the reference.
//!
//! Checked on the bandit's exact population of pairs for two seeds and two betas, between `N` and
//! `4N` steps; the measurements behind the bounds are in
//! `docs/experiments/deterministic-preferences.md`.

use prefopt::burn::tensor::Device;
use prefopt::train::MemorySink;
use prefopt::{ExperimentConfig, RunContext};
use std::path::Path;

/// Steps of the shorter run; the longer one trains 4x as long.
const N: usize = 400;

/// Where a run ended.
#[derive(Debug)]
struct Outcome {
    /// `KL(pi_theta || pi_ref)`, averaged over contexts.
    kl_reference: f64,
    /// The smallest `log pi_theta(y|x)` of an action that loses some pair (every action but the
    /// best of its context).
    min_loser_logp: f64,
    /// `-log pi_ref(y_best|x)` averaged over contexts: `KL(pi_greedy || pi_ref)` for the policy
    /// that puts all its mass on the best action, the limit as the losers' probabilities reach 0.
    greedy_kl: f64,
}

fn config(seed: u64, objective: &str, beta: f64, steps: usize) -> String {
    format!(
        r#"
seed = {seed}
[task]
type = "bandit"
contexts = 4
actions = 6
reward_scale = 2.0
reference = "random"
pairs = "population"
deterministic = true
[policy]
type = "tabular"
[algorithm]
type = "offline"
[algorithm.objective]
type = "{objective}"
beta = {beta}
[train]
steps = {steps}
lr = 0.05
log_every = {steps}
eval_every = {steps}
"#
    )
}

/// Trains `steps` offline steps and measures the trained policy.
fn train(seed: u64, objective: &str, beta: f64, steps: usize) -> Outcome {
    let name = format!("{objective}-{beta}-{seed}-{steps}");
    let config =
        ExperimentConfig::from_toml_str(&config(seed, objective, beta, steps), Path::new(&name))
            .unwrap();
    let task = config.task.build(config.seed).unwrap();
    let report = config
        .algorithm
        .run(&mut RunContext {
            task: &*task,
            policy: &*config.policy,
            reward: None,
            train: &config.train,
            device: Device::default(),
            seed: config.seed,
            sink: &mut MemorySink::default(),
            out_dir: None,
            control: Default::default(),
        })
        .unwrap();
    let kl_reference = report
        .metrics
        .iter()
        .find(|(name, _)| name == "kl/reference")
        .map(|(_, value)| *value)
        .unwrap();
    let table: Vec<f32> = report
        .policy
        .unwrap()
        .log_prob_table()
        .unwrap()
        .into_data()
        .try_into_vec()
        .unwrap();
    let truth = task.truth().unwrap();
    let actions = truth.outputs;
    let mut min_loser_logp = f64::INFINITY;
    let mut greedy_kl = 0.0;
    for context in 0..truth.contexts {
        let row = context * actions..(context + 1) * actions;
        let rewards = &truth.rewards[row.clone()];
        let best = (0..actions)
            .max_by(|&a, &b| rewards[a].total_cmp(&rewards[b]))
            .unwrap();
        greedy_kl -= truth.reference_logps[row.start + best] / truth.contexts as f64;
        for (action, logp) in table[row].iter().enumerate() {
            if action != best {
                min_loser_logp = min_loser_logp.min(f64::from(*logp));
            }
        }
    }
    Outcome {
        kl_reference,
        min_loser_logp,
        greedy_kl,
    }
}

#[test]
fn dpo_sends_losing_actions_to_zero_whatever_beta_while_ipo_converges() {
    for seed in [7, 11] {
        for beta in [0.1, 1.0] {
            let [dpo_n, dpo_4n, ipo_n, ipo_4n] =
                [("dpo", N), ("dpo", 4 * N), ("ipo", N), ("ipo", 4 * N)]
                    .map(|(objective, steps)| train(seed, objective, beta, steps));
            let context = format!(
                "seed {seed}, beta {beta}, after {N} and {} steps:\n  dpo {dpo_n:?}\n      \
                 {dpo_4n:?}\n  ipo {ipo_n:?}\n      {ipo_4n:?}",
                4 * N
            );
            // DPO has not converged: the losers' probabilities keep falling (by a factor > e^5
            // between N and 4N steps, to below 1e-8), and kl/reference keeps growing towards the
            // greedy policy's KL, the same limit whatever beta.
            assert!(
                dpo_4n.min_loser_logp < dpo_n.min_loser_logp - 5.0,
                "{context}"
            );
            assert!(dpo_4n.min_loser_logp < 1e-8f64.ln(), "{context}");
            assert!(dpo_4n.kl_reference > dpo_n.kl_reference, "{context}");
            assert!(dpo_4n.kl_reference > 0.85 * dpo_4n.greedy_kl, "{context}");
            // IPO has converged by N steps: kl/reference moves by < 2% and the smallest loser
            // log-probability by < 0.05, at a finite KL well short of the greedy limit.
            let kl_change = (ipo_4n.kl_reference - ipo_n.kl_reference).abs();
            assert!(kl_change < 0.02 * ipo_4n.kl_reference, "{context}");
            assert!(
                (ipo_4n.min_loser_logp - ipo_n.min_loser_logp).abs() < 0.05,
                "{context}"
            );
            assert!(ipo_4n.min_loser_logp.is_finite(), "{context}");
            assert!(ipo_4n.kl_reference < 0.8 * ipo_4n.greedy_kl, "{context}");
        }
    }
}
