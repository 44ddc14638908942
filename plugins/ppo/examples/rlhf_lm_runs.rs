//! The language-model measurements of the RLHF pages: PPO, GRPO and RLOO train the tiny causal
//! LM of `tests/rlhf_lm.rs` (`[policy] tiny = true`) on the `token_reward` task from a config, and each run prints the
//! sampled evaluations of the initial and the trained policy (`reward/true`, `kl/reference`),
//! the objective `reward/true - beta kl/reference`, the rollouts' statistics and the seconds.
//!
//! ```sh
//! cargo run -p prefopt-ppo --example rlhf_lm_runs -- ppo      # seeds 1-4 at beta 0.1 and 0.3
//! cargo run -p prefopt-ppo --example rlhf_lm_runs -- long     # PPO and RLOO, 1000 rollouts
//! cargo run -p prefopt-ppo --example rlhf_lm_runs -- groups   # GRPO (two placements), RLOO
//! cargo run -p prefopt-ppo --example rlhf_lm_runs -- heads    # tied and untied heads, PPO
//! cargo run -p prefopt-ppo --example rlhf_lm_runs -- eos      # missing_eos_penalty
//! cargo run -p prefopt-ppo --example rlhf_lm_runs -- learned  # PPO on a learned reward model
//! ```
//!
//! A second argument `untied` runs a group on the tiny architecture with an untied head.

use prefopt_core::burn::tensor::Device;
use prefopt_core::{ExperimentConfig, NullSink};
use prefopt_train::{RunOptions, RunSummary, run_experiment};
use std::path::Path;
use std::time::Instant;

// The plugins the configs name: linked so that their registrations are.
use prefopt_data as _;
use prefopt_models as _;
use prefopt_ppo as _;

/// `CausalLmConfig::tiny` with an untied output head (a linear layer of its own).
const UNTIED: &str = r#"
[policy]
type = "causal_lm"
[policy.architecture]
vocab_size = 64
hidden_size = 32
intermediate_size = 48
num_layers = 2
num_heads = 4
num_kv_heads = 2
head_dim = 8
rope_theta = 10000.0
rms_norm_eps = 1e-5
max_position_embeddings = 128
tie_word_embeddings = false
eos_token_id = 2
"#;

/// The policy of `tests/rlhf_lm.rs`: `CausalLmConfig::tiny`, whose head is the transposed
/// token embedding.
const TIED: &str = "\n[policy]\ntype = \"causal_lm\"\ntiny = true\n";

/// One run's settings.
struct Setup<'a> {
    name: String,
    seed: u64,
    policy: &'a str,
    reward: &'a str,
    algorithm: String,
    steps: usize,
    eval_every: usize,
}

impl Setup<'_> {
    fn toml(&self) -> String {
        format!(
            "seed = {}\n[task]\ntype = \"token_reward\"\n{}\n{}\n{}\n[algorithm.sampling]\n\
             max_new_tokens = 8\nstop_token_ids = [2]\n[train]\nsteps = {}\nlr = 1e-2\n\
             eval_every = {}\nlog_every = 1\n",
            self.seed, self.policy, self.reward, self.algorithm, self.steps, self.eval_every
        )
    }
}

/// What a run measured.
struct Measured {
    summary: RunSummary,
    seconds: f64,
}

impl Measured {
    /// A metric logged at `step`, if it was.
    fn at(&self, step: usize, name: &str) -> Option<f64> {
        self.summary
            .history
            .records
            .iter()
            .find(|(s, _)| *s == step)
            .and_then(|(_, values)| values.iter().find(|(n, _)| n == name).map(|(_, v)| *v))
    }

    fn first(&self, name: &str) -> f64 {
        self.at(0, name)
            .unwrap_or_else(|| panic!("no {name} at step 0"))
    }

    fn last(&self, name: &str) -> f64 {
        self.summary
            .metric(name)
            .unwrap_or_else(|| panic!("no {name} in the summary"))
    }

    /// `(step, value)` of every logged `name`, the final evaluation excluded.
    fn series(&self, name: &str) -> Vec<(usize, f64)> {
        let steps = self.summary.metric("steps").unwrap_or(f64::MAX) as usize;
        self.summary
            .history
            .records
            .iter()
            .filter(|(step, _)| *step < steps)
            .filter_map(|(step, values)| {
                values
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, value)| (*step, *value))
            })
            .collect()
    }
}

fn run(setup: &Setup<'_>) -> Measured {
    let config = ExperimentConfig::from_toml_str(&setup.toml(), Path::new("rlhf-lm.toml"))
        .unwrap_or_else(|error| panic!("{error}"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = RunOptions::new(dir.path(), Device::default());
    let started = Instant::now();
    let summary =
        run_experiment(config, &options, &mut NullSink).unwrap_or_else(|error| panic!("{error}"));
    Measured {
        summary,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Prints the line every run gets: the evaluations, the objective, the rollouts' lengths and
/// entropy, the bound of pi*.
fn report(setup: &Setup<'_>, beta: f64, measured: &Measured) {
    let (before, after) = (measured.first("reward/true"), measured.last("reward/true"));
    let kl = measured.last("kl/reference");
    println!(
        "{} (seed {}, beta {beta}, {} steps): reward/true {before:.4} -> {after:.4}, \
         kl/reference {kl:.4}, objective {:.4} -> {:.4}, bound (1 - E_ref r)/beta {:.2}, \
         (E[r] - E_ref r)/beta {:.2}, objective/rlhf_reward {:.4} -> {:.4}, \
         completions/mean_length {:.3} -> {:.3}, objective/entropy {:.3} -> {:.3}, {:.1} s",
        setup.name,
        setup.seed,
        setup.steps,
        before - beta * measured.first("kl/reference"),
        after - beta * kl,
        (1.0 - before) / beta,
        (after - before) / beta,
        measured.first("objective/rlhf_reward"),
        measured.last("objective/rlhf_reward"),
        measured.first("completions/mean_length"),
        measured.last("completions/mean_length"),
        measured.first("objective/entropy"),
        measured.last("objective/entropy"),
        measured.seconds
    );
}

/// Prints `reward/true` and `kl/reference` at every evaluation.
fn trajectory(measured: &Measured) {
    let rewards = measured.series("reward/true");
    let kls = measured.series("kl/reference");
    let line: Vec<String> = rewards
        .iter()
        .zip(&kls)
        .map(|((step, r), (_, kl))| format!("{step}: {r:.3}/{kl:.2}"))
        .collect();
    println!("  reward/true / kl/reference by step: {}", line.join(", "));
}

const GROUND_TRUTH: &str = "[reward]\ntype = \"ground_truth\"";

fn ppo(beta: f64, extra: &str) -> String {
    format!(
        "[algorithm]\ntype = \"ppo\"\nkl_coef = {beta}\nrollouts = 32\ncritic = \"value_model\"\n{extra}"
    )
}

fn setup<'a>(name: &str, seed: u64, policy: &'a str, algorithm: String, steps: usize) -> Setup<'a> {
    Setup {
        name: name.into(),
        seed,
        policy,
        reward: GROUND_TRUTH,
        algorithm,
        steps,
        eval_every: 10,
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let group = args.next().unwrap_or_else(|| "ppo".into());
    // The policy of every group but `heads`: `tiny = true`, or the untied architecture.
    let policy = match args.next().as_deref() {
        Some("untied") => UNTIED,
        _ => TIED,
    };
    match group.as_str() {
        "ppo" => {
            for beta in [0.1, 0.3] {
                for seed in 1..=4 {
                    let s = setup("ppo", seed, policy, ppo(beta, ""), 60);
                    let measured = run(&s);
                    report(&s, beta, &measured);
                    trajectory(&measured);
                }
            }
        }
        "long" => {
            let mut s = setup("ppo", 1, policy, ppo(0.1, ""), 1000);
            s.eval_every = 50;
            let measured = run(&s);
            report(&s, 0.1, &measured);
            trajectory(&measured);
            let mut s = setup(
                "rloo",
                1,
                policy,
                "[algorithm]\ntype = \"rloo\"\nkl_coef = 0.1\nrollouts = 32".into(),
                1000,
            );
            s.eval_every = 50;
            let measured = run(&s);
            report(&s, 0.1, &measured);
            trajectory(&measured);
        }
        "groups" => {
            for (name, algorithm) in [
                (
                    "grpo k1 in the reward, no scaling",
                    "[algorithm]\ntype = \"grpo\"\nkl_coef = 0.1\nkl_estimator = \"k1\"\n\
                     kl_placement = \"reward\"\nscale_rewards = \"none\"\nrollouts = 32",
                ),
                (
                    "rloo",
                    "[algorithm]\ntype = \"rloo\"\nkl_coef = 0.1\nrollouts = 32",
                ),
                (
                    "grpo defaults",
                    "[algorithm]\ntype = \"grpo\"\nkl_coef = 0.1\nrollouts = 32",
                ),
            ] {
                let s = setup(name, 1, policy, algorithm.into(), 120);
                let measured = run(&s);
                report(&s, 0.1, &measured);
                trajectory(&measured);
                let stds: Vec<f64> = measured
                    .series("reward_std")
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect();
                if !stds.is_empty() {
                    let min = stds.iter().copied().fold(f64::INFINITY, f64::min);
                    let max = stds.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    println!("  reward_std over the rollouts: {min:.3} to {max:.3}");
                }
            }
        }
        "heads" => {
            for (name, policy) in [("tied (tiny = true)", TIED), ("untied", UNTIED)] {
                for seed in [1, 2] {
                    let s = setup(name, seed, policy, ppo(0.1, ""), 60);
                    report(&s, 0.1, &run(&s));
                }
            }
        }
        "eos" => {
            let s = setup(
                "ppo, missing_eos_penalty 1.0",
                1,
                policy,
                ppo(0.1, "missing_eos_penalty = 1.0"),
                20,
            );
            let measured = run(&s);
            report(&s, 0.1, &measured);
            println!(
                "  completions/clipped_ratio {:.3} -> {:.3}; step 0: objective/scores {:.4}, \
                 objective/true_scores {:.4}",
                measured.first("completions/clipped_ratio"),
                measured.last("completions/clipped_ratio"),
                measured.first("objective/scores"),
                measured.first("objective/true_scores"),
            );
            let clipped: Vec<String> = measured
                .series("completions/clipped_ratio")
                .into_iter()
                .map(|(step, v)| format!("{step}: {v:.3}"))
                .collect();
            println!("  clipped_ratio by step: {}", clipped.join(", "));
        }
        "learned" => {
            let mut s = setup("ppo on a learned encoder", 1, policy, ppo(0.1, ""), 60);
            s.reward = "[reward]\ntype = \"learned\"\nsteps = 300\nbatch_size = 32\n\
                        [reward.network]\nkind = \"encoder\"";
            let measured = run(&s);
            report(&s, 0.1, &measured);
            let rm: Vec<String> = measured
                .summary
                .summary
                .iter()
                .filter(|(name, _)| name.starts_with("reward_model/"))
                .map(|(name, value)| format!("{name} {value}"))
                .collect();
            println!("  {}", rm.join(", "));
            let last = |name: &str| measured.series(name).last().map_or(f64::NAN, |(_, v)| *v);
            println!(
                "  objective/scores {:.4} -> {:.4}, objective/true_scores {:.4} -> {:.4} \
                 (the rollouts of steps 0 and {})",
                measured.first("objective/scores"),
                last("objective/scores"),
                measured.first("objective/true_scores"),
                last("objective/true_scores"),
                s.steps - 1
            );
        }
        other => panic!("unknown group `{other}`: ppo, long, groups, heads, eos or learned"),
    }
}
