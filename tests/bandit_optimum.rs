//! DPO on the bandit's exact population of pairs converges to the closed-form optimum
//! pi* = pi_ref exp(r / beta) / Z, for several sizes, seeds and betas; `exact` is at KL 0.

use prefopt::ExperimentConfig;
use prefopt::burn::tensor::Device;
use prefopt::train::{MemorySink, RunOptions, RunSummary, run_experiment};
use std::path::{Path, PathBuf};

use crate::support;
use support::fresh_out_dir;

fn out_dir(name: &str) -> PathBuf {
    fresh_out_dir("prefopt-test", name)
}

fn run(name: &str, toml: &str) -> RunSummary {
    let config = ExperimentConfig::from_toml_str(toml, Path::new(name)).unwrap();
    let options = RunOptions::new(out_dir(name), Device::default());
    run_experiment(config, &options, &mut MemorySink::default()).unwrap()
}

/// Runs and removes the run directory.
fn run_and_clean(name: &str, toml: &str) -> RunSummary {
    let summary = run(name, toml);
    std::fs::remove_dir_all(&summary.out_dir).unwrap();
    summary
}

fn bandit(seed: u64, contexts: usize, actions: usize, reference: &str, algorithm: &str) -> String {
    format!(
        r#"
seed = {seed}
[task]
type = "bandit"
contexts = {contexts}
actions = {actions}
reward_scale = 2.0
reference = "{reference}"
pairs = "population"
[policy]
type = "tabular"
{algorithm}
[train]
steps = 3000
lr = 0.05
eval_every = 500
log_every = 100
"#
    )
}

#[test]
fn dpo_population_reaches_the_optimum_across_sizes_seeds_and_betas() {
    for (seed, contexts, actions, reference, beta) in [
        (7, 4, 6, "random", 0.5),
        (1, 2, 3, "uniform", 0.1),
        (2, 8, 10, "random", 1.0),
        (3, 3, 5, "random", 2.0),
    ] {
        let algorithm = format!(
            "[algorithm]\ntype = \"offline\"\n[algorithm.objective]\ntype = \"dpo\"\nbeta = {beta}"
        );
        let summary = run_and_clean(
            &format!("dpo-{seed}"),
            &bandit(seed, contexts, actions, reference, &algorithm),
        );
        let kl = summary.metric("kl/optimal").unwrap();
        assert!(
            kl < 1e-3,
            "seed {seed}, {contexts}x{actions}, beta {beta}: kl/optimal = {kl}"
        );
        let start = summary.history.series("kl/optimal")[0].1;
        assert!(start > kl, "training must close the gap: {start} -> {kl}");
    }
}

#[test]
fn exact_reports_zero_kl_and_writes_the_optimal_policy() {
    let summary = run(
        "exact",
        &bandit(
            7,
            4,
            6,
            "random",
            "[algorithm]\ntype = \"exact\"\nbeta = 0.5",
        ),
    );
    assert_eq!(summary.metric("kl/optimal"), Some(0.0));
    let objective = summary.metric("objective/true").unwrap();
    let optimal = summary.metric("objective/optimal").unwrap();
    assert!((objective - optimal).abs() < 1e-9);
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(summary.out_dir.join("optimal_policy.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(written["probs"].as_array().unwrap().len(), 4);
    std::fs::remove_dir_all(&summary.out_dir).unwrap();
}

/// With N sampled pairs (trained full-batch to the empirical optimum), the distance to pi*
/// shrinks as N grows: averaged over seeds, 30x more data gives a much smaller KL.
#[test]
fn sampled_pairs_approach_the_optimum_as_data_grows() {
    let kl_at = |pairs: usize| -> f64 {
        let seeds = [11u64, 12, 13];
        let total: f64 = seeds
            .iter()
            .map(|&seed| {
                let toml = format!(
                    r#"
seed = {seed}
[task]
type = "bandit"
contexts = 2
actions = 4
reward_scale = 1.0
pairs = {pairs}
[policy]
type = "tabular"
[algorithm]
type = "offline"
[algorithm.objective]
type = "dpo"
beta = 1.0
[train]
steps = 1500
lr = 0.05
batch_size = {pairs}
eval_every = 1500
log_every = 1500
"#
                );
                run_and_clean(&format!("sampled-{pairs}-{seed}"), &toml)
                    .metric("kl/optimal")
                    .unwrap()
            })
            .sum();
        total / seeds.len() as f64
    };
    let few = kl_at(100);
    let many = kl_at(3000);
    assert!(
        many < few / 5.0,
        "kl/optimal with 100 pairs {few}, with 3000 pairs {many}"
    );
}
