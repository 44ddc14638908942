//! The RLHF baseline on bandits whose optimum is known: PPO and RLOO reach
//! pi* = pi_ref exp(r / beta) / Z with population rollouts, PPO with sampled rollouts and a
//! decaying learning rate; a trained reward model is written, loaded and used; interrupted runs
//! resume to the numbers of uninterrupted ones; bad input is refused naming the field or step.

use prefopt::ExperimentConfig;
use prefopt::burn::tensor::Device;
use prefopt::train::{MemorySink, RunOptions, RunOutcome, RunSummary, StartMode, run_experiment};
use prefopt::{MetricSink, MetricValues, PrefoptError, StopFlag};
use std::path::{Path, PathBuf};

use crate::support;
use support::fresh_out_dir;

/// The config contract of the RLHF issue, verbatim under the bandit's task section.
const CONTRACT: &str = r#"
seed = 7
[task]
type = "bandit"
contexts = 4
actions = 6
reward_scale = 2.0
reference = "random"
[policy]
type = "tabular"
[reward]
type = "ground_truth"   # or "learned" (Bradley–Terry on the task's pairs), "saved"
[algorithm]
type = "ppo"            # "grpo", "rloo" take the same kl_coef
kl_coef = 0.5           # beta; kl/optimal is measured against pi* at this beta
[train]
steps = 3000
lr = 0.05
batch_size = 64
"#;

fn parse(name: &str, toml: &str) -> ExperimentConfig {
    ExperimentConfig::from_toml_str(toml, Path::new(&format!("{name}.toml")))
        .unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn run_in(dir: &Path, toml: &str, start: StartMode, stop_at: Option<usize>) -> RunSummary {
    let mut options = RunOptions::new(dir, Device::default());
    options.start = start;
    let mut sink = StopAt {
        flag: options.stop.clone(),
        at: stop_at.unwrap_or(usize::MAX),
    };
    run_experiment(parse("rlhf", toml), &options, &mut sink).unwrap()
}

/// Runs in a fresh directory, then removes it.
fn run(name: &str, toml: &str) -> RunSummary {
    let dir = fresh_out_dir("prefopt-rlhf", name);
    let summary = run_in(&dir, toml, StartMode::Fresh, None);
    std::fs::remove_dir_all(&dir).unwrap();
    summary
}

/// Raises the stop flag once `at` steps are done.
struct StopAt {
    flag: StopFlag,
    at: usize,
}

impl MetricSink for StopAt {
    fn log(&mut self, _: usize, _: &MetricValues) -> Result<(), PrefoptError> {
        Ok(())
    }

    fn progress(&mut self, done: usize, _: usize) {
        if done == self.at {
            self.flag.request();
        }
    }
}

/// A population bandit with `algorithm` (its `[algorithm]` lines) and `[train]` lines.
fn bandit(seed: u64, contexts: usize, actions: usize, algorithm: &str, train: &str) -> String {
    format!(
        r#"
seed = {seed}
[task]
type = "bandit"
contexts = {contexts}
actions = {actions}
reference = "random"
[policy]
type = "tabular"
[reward]
type = "ground_truth"
[algorithm]
{algorithm}
[train]
{train}
eval_every = 500
log_every = 100
"#
    )
}

/// Every logged value of every step is finite.
fn assert_finite(name: &str, history: &MemorySink) {
    for (step, values) in &history.records {
        for (metric, value) in values {
            assert!(value.is_finite(), "{name}: step {step}: {metric} = {value}");
        }
    }
}

#[test]
fn the_config_contract_works_verbatim_and_ppo_reaches_pi_star() {
    let summary = run("contract", CONTRACT);
    let kl = summary.metric("kl/optimal").unwrap();
    assert!(kl < 1e-2, "kl/optimal = {kl}");
    let start = summary.history.series("kl/optimal")[0].1;
    assert!(start > 1.0 && kl < start, "{start} -> {kl}");
    for metric in [
        "objective/kl",
        "objective/entropy",
        "objective/scores",
        "objective/rlhf_reward",
        "policy/approxkl_avg",
        "policy/clipfrac_avg",
        "loss/policy_avg",
        "loss/value_avg",
        "val/clipfrac_avg",
        "val/ratio",
        "kl/reference",
    ] {
        assert!(summary.metric(metric).is_some(), "{metric} missing");
    }
    assert_finite("contract", &summary.history);
}

#[test]
fn ppo_and_rloo_reach_pi_star_across_sizes_seeds_and_coefficients() {
    for (seed, contexts, actions, beta) in [(2, 8, 10, 1.0), (3, 3, 5, 2.0), (1, 2, 3, 0.1)] {
        for algorithm in ["ppo", "rloo"] {
            let name = format!("{algorithm}-{seed}");
            let summary = run(
                &name,
                &bandit(
                    seed,
                    contexts,
                    actions,
                    &format!("type = \"{algorithm}\"\nkl_coef = {beta}"),
                    "steps = 3000\nlr = 0.05",
                ),
            );
            let kl = summary.metric("kl/optimal").unwrap();
            assert!(
                kl < 1e-2,
                "{name}: {contexts}x{actions}, beta {beta}: kl/optimal {kl}"
            );
            assert_finite(&name, &summary.history);
        }
    }
}

#[test]
fn ppo_with_sampled_rollouts_reaches_pi_star_with_a_decaying_learning_rate() {
    let summary = run(
        "ppo-sampled",
        &bandit(
            7,
            4,
            6,
            "type = \"ppo\"\nkl_coef = 0.5\nrollouts = 64",
            "steps = 3000\nlr = 0.05\nlr_scheduler_type = \"linear\"",
        ),
    );
    let kl = summary.metric("kl/optimal").unwrap();
    assert!(kl < 1e-2, "kl/optimal {kl}");
    assert_finite("ppo-sampled", &summary.history);
}

#[test]
fn a_trained_reward_model_is_written_loaded_and_equals_the_learned_one() {
    let pairs = r#"
seed = 5
[task]
type = "bandit"
contexts = 4
actions = 6
pairs = 2000
[policy]
type = "tabular"
"#;
    let dir = fresh_out_dir("prefopt-rlhf", "reward-model");
    let trained = run_in(
        &dir,
        &format!(
            "{pairs}[algorithm]\ntype = \"reward_model\"\n[train]\nsteps = 1500\nlr = 0.05\nbatch_size = 64\n"
        ),
        StartMode::Fresh,
        None,
    );
    assert!(dir.join("reward_model.json").is_file());
    let accuracy = trained.metric("eval_accuracy").unwrap();
    let agreement = trained.metric("reward/order_agreement").unwrap();
    assert!(
        accuracy > 0.6 && accuracy <= 1.0,
        "held-out accuracy {accuracy}"
    );
    assert!(agreement > 0.8, "order agreement {agreement}");
    for metric in [
        "loss",
        "accuracy",
        "margin",
        "eval_loss",
        "eval_margin",
        "mean_reward",
    ] {
        assert!(trained.metric(metric).unwrap().is_finite(), "{metric}");
    }
    let ppo = |reward: String| {
        format!(
            "{pairs}{reward}\n[algorithm]\ntype = \"ppo\"\nkl_coef = 0.5\n[train]\nsteps = 300\nlr = 0.05\n"
        )
    };
    let saved = run(
        "ppo-saved",
        &ppo(format!(
            "[reward]\ntype = \"saved\"\npath = \"{}\"",
            dir.display()
        )),
    );
    let learned = run(
        "ppo-learned",
        &ppo("[reward]\ntype = \"learned\"\nsteps = 1500\nlr = 0.05\nbatch_size = 64".into()),
    );
    assert_eq!(
        learned.metric("reward_model/eval_accuracy"),
        Some(accuracy),
        "the same fit"
    );
    for metric in ["kl/optimal", "objective/scores", "reward/true"] {
        assert_eq!(saved.metric(metric), learned.metric(metric), "{metric}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_interrupted_ppo_run_resumes_to_the_numbers_of_an_uninterrupted_one() {
    let toml = bandit(
        3,
        3,
        5,
        "type = \"ppo\"\nkl_coef = 0.3\nrollouts = 32\nnum_mini_batches = 2\n\
         [algorithm.adaptive_kl]\ntarget = 0.5\nhorizon = 1000",
        "steps = 40\nlr = 0.05\nlr_scheduler_type = \"linear\"\ncheckpoint_every = 10",
    );
    let whole_dir = fresh_out_dir("prefopt-rlhf", "resume-whole");
    let whole = run_in(&whole_dir, &toml, StartMode::Fresh, None);
    let dir = fresh_out_dir("prefopt-rlhf", "resume-parts");
    let first = run_in(&dir, &toml, StartMode::Fresh, Some(15));
    assert_eq!(first.outcome, RunOutcome::Interrupted { steps: 15 });
    assert!(dir.join("checkpoints/step-0000015/critic.bpk").is_file());
    let resumed = run_in(&dir, &toml, StartMode::Resume, None);
    assert_eq!(resumed.outcome, RunOutcome::Completed);
    for (name, value) in &whole.summary {
        if name == "wall_seconds" || name == "started" || name == "resumed_at_step" {
            continue;
        }
        if let Some(value) = value.as_f64() {
            let again = resumed.metric(name).unwrap();
            assert!(
                (value - again).abs() <= 1e-9 * value.abs().max(1.0),
                "{name}: {value} uninterrupted, {again} resumed"
            );
        }
    }
    assert_ne!(
        whole.metric("objective/kl_coef"),
        Some(0.3),
        "the controller moved"
    );
    for dir in [whole_dir, dir] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

/// The error of a run that fails, or of a config that does not parse.
fn failure(name: &str, toml: &str) -> String {
    let config = match ExperimentConfig::from_toml_str(toml, Path::new(&format!("{name}.toml"))) {
        Ok(config) => config,
        Err(error) => return error.to_string(),
    };
    let dir: PathBuf = fresh_out_dir("prefopt-rlhf", name);
    let options = RunOptions::new(&dir, Device::default());
    let error = run_experiment(config, &options, &mut MemorySink::default())
        .expect_err(name)
        .to_string();
    let _ = std::fs::remove_dir_all(&dir);
    error
}

#[test]
fn bad_input_is_refused_naming_the_field_or_the_step() {
    let short = "steps = 3\nlr = 0.05";
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "adaptive-zero",
            bandit(
                1,
                2,
                3,
                "type = \"ppo\"\nkl_coef = 0.0\n[algorithm.adaptive_kl]\ntarget = 1.0",
                short,
            ),
            vec!["algorithm.kl_coef", "adaptive", "line"],
        ),
        (
            "no-reward",
            bandit(1, 2, 3, "type = \"rloo\"", short)
                .replace("[reward]\ntype = \"ground_truth\"", ""),
            vec!["`rloo`", "[reward]", "ground_truth"],
        ),
        (
            "eos-on-a-table",
            bandit(1, 2, 3, "type = \"ppo\"\nmissing_eos_penalty = 1.0", short),
            vec!["algorithm.missing_eos_penalty", "no EOS"],
        ),
        (
            "table-critic-on-a-language-model",
            bandit(1, 2, 3, "type = \"ppo\"\nrollouts = 4", short)
                .replace("type = \"tabular\"", "type = \"causal_lm\"\ntiny = true"),
            vec!["algorithm.critic", "critic = \"value_model\"", "\"none\""],
        ),
        (
            "ragged-groups",
            bandit(1, 2, 3, "type = \"grpo\"\nrollouts = 30", short),
            vec!["algorithm.rollouts", "groups of `num_generations` = 8"],
        ),
        (
            "epochs",
            bandit(1, 2, 3, "type = \"ppo\"", "epochs = 2.0"),
            vec!["train.epochs", "train.steps"],
        ),
        (
            "learned-eval-fraction",
            bandit(1, 2, 3, "type = \"ppo\"", short).replace(
                "type = \"ground_truth\"",
                "type = \"learned\"\neval_fraction = 1.5",
            ),
            vec!["reward.eval_fraction", "[0, 1)", "line"],
        ),
    ];
    for (name, toml, phrases) in cases {
        let error = failure(name, &toml);
        for phrase in phrases {
            assert!(error.contains(phrase), "{name}: `{phrase}` not in: {error}");
        }
    }
}

#[test]
fn a_saved_reward_model_with_infinite_rewards_is_refused_naming_its_file() {
    let dir = fresh_out_dir("prefopt-rlhf", "infinite-reward-model");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("reward_model.json");
    std::fs::write(
        &file,
        r#"{"kind": "table", "contexts": 2, "outputs": 3, "rewards": [[0, 1, 2], [1e39, 0, 0]]}"#,
    )
    .unwrap();
    let toml = bandit(1, 2, 3, "type = \"ppo\"", "steps = 3").replace(
        "type = \"ground_truth\"",
        &format!("type = \"saved\"\npath = \"{}\"", dir.display()),
    );
    let error = failure("infinite-reward", &toml);
    for phrase in ["reward_model.json", "context 1, output 0", "inf", "finite"] {
        assert!(error.contains(phrase), "`{phrase}` not in: {error}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
