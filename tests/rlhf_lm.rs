//! The RLHF baseline on a language model: PPO, GRPO and RLOO train a small causal LM on the
//! `token_reward` prompt task from a config, generating through the KV cache. The true reward
//! (the fraction of completion tokens in the task's set) rises, and the KL to the reference stays
//! within the bound the KL coefficient sets: for a reward in [0, 1] the optimum
//! `pi* = pi_ref exp(r / beta) / Z` has `KL(pi* || pi_ref) <= (1 - E_ref[r]) / beta`, and any
//! policy whose objective `E[r] - beta KL` beats the reference's has
//! `KL <= (E[r] - E_ref[r]) / beta`.

use prefopt::burn::tensor::Device;
use prefopt::train::{RunOptions, RunOutcome, RunSummary, StartMode, run_experiment};
use prefopt::{ExperimentConfig, MetricSink, MetricValues, PrefoptError, StopFlag};
use std::path::Path;
use std::time::Instant;

use crate::support;
use support::fresh_out_dir;

/// The tiny random causal LM (`CausalLmConfig::tiny`, head tied to the token embedding). Its
/// weights are drawn N(0, 0.02^2), so it starts near the uniform distribution (entropy about
/// `ln 64` per token), which on-policy training needs to explore.
const POLICY: &str = r#"
[policy]
type = "causal_lm"
tiny = true
"#;

/// The task (16 prompts of 4 ids, 8 rewarded ids of 61, EOS 2), the ground-truth reward and
/// the schedule shared by the three algorithms; `algorithm` is the `[algorithm]` section.
fn config(algorithm: &str, steps: usize) -> String {
    config_with_reward("[reward]\ntype = \"ground_truth\"", algorithm, steps)
}

/// [`config`] with another `[reward]` section.
fn config_with_reward(reward: &str, algorithm: &str, steps: usize) -> String {
    format!(
        r#"
seed = 1
[task]
type = "token_reward"
{POLICY}
{reward}
{algorithm}
[algorithm.sampling]
max_new_tokens = 8
stop_token_ids = [2]
[train]
steps = {steps}
lr = 1e-2
eval_every = 10
"#
    )
}

/// What a run measured: the sampled evaluation of the initial and of the trained policy, every
/// logged step, and the seconds it took.
struct Measured {
    summary: RunSummary,
    seconds: f64,
}

impl Measured {
    /// A metric of the step-0 record (the initial policy and its first rollout).
    fn first(&self, name: &str) -> f64 {
        let (_, values) = &self.summary.history.records[0];
        values
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no {name} at step 0: {values:?}"))
            .1
    }

    /// A final metric (the trained policy's evaluation, the last rollout's statistics).
    fn last(&self, name: &str) -> f64 {
        self.summary
            .metric(name)
            .unwrap_or_else(|| panic!("no {name}: {:?}", self.summary.summary))
    }

    /// Every logged value is finite.
    fn assert_finite(&self) {
        for (step, values) in &self.summary.history.records {
            for (name, value) in values {
                assert!(value.is_finite(), "step {step}: {name} = {value}");
            }
        }
    }
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

fn run_in(dir: &Path, toml: &str, start: StartMode, stop_at: Option<usize>) -> RunSummary {
    let config = ExperimentConfig::from_toml_str(toml, Path::new("rlhf-lm.toml"))
        .unwrap_or_else(|error| panic!("{error}"));
    let mut options = RunOptions::new(dir, Device::default());
    options.start = start;
    let mut sink = StopAt {
        flag: options.stop.clone(),
        at: stop_at.unwrap_or(usize::MAX),
    };
    run_experiment(config, &options, &mut sink).unwrap_or_else(|error| panic!("{error}"))
}

fn run(name: &str, toml: &str) -> Measured {
    let dir = fresh_out_dir("prefopt-rlhf-lm", name);
    let started = Instant::now();
    let summary = run_in(&dir, toml, StartMode::Fresh, None);
    let seconds = started.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&dir).unwrap();
    Measured { summary, seconds }
}

/// The reward rises by `rise` at least, and the KL to the reference ends within both bounds of
/// the module's doc (with `slack` nats for the sampled estimates).
fn assert_trained(name: &str, run: &Measured, beta: f64, rise: f64, slack: f64) {
    run.assert_finite();
    let (before, after) = (run.first("reward/true"), run.last("reward/true"));
    let kl = run.last("kl/reference");
    println!(
        "{name}: reward/true {before:.4} -> {after:.4}, kl/reference {:.4} -> {kl:.4}, \
         objective/rlhf_reward {:.4} -> {:.4}, completions/mean_length {:.3} -> {:.3}, {:.2} s",
        run.first("kl/reference"),
        run.first("objective/rlhf_reward"),
        run.last("objective/rlhf_reward"),
        run.first("completions/mean_length"),
        run.last("completions/mean_length"),
        run.seconds
    );
    assert!(
        run.first("kl/reference").abs() < 1e-5,
        "{name}: starts at the reference"
    );
    assert!(after >= before + rise, "{name}: reward {before} -> {after}");
    assert!(
        kl >= 0.0 && kl <= (1.0 - before) / beta + slack,
        "{name}: KL {kl}"
    );
    assert!(
        kl <= (after - before) / beta + slack,
        "{name}: KL {kl}, reward {before} -> {after}"
    );
}

#[test]
fn ppo_with_a_value_model_raises_the_reward_within_the_kl_bound() {
    let run = run(
        "ppo",
        &config(
            r#"[algorithm]
type = "ppo"
kl_coef = 0.1
rollouts = 32
critic = "value_model""#,
            60,
        ),
    );
    assert_trained("ppo", &run, 0.1, 0.15, 0.5);
    assert!(run.last("loss/value_avg") >= 0.0);
}

#[test]
fn grpo_with_k1_in_the_reward_raises_the_reward_within_the_kl_bound() {
    // The placement whose rest point is pi*: KL in the reward, k1, no std scaling.
    let run = run(
        "grpo",
        &config(
            r#"[algorithm]
type = "grpo"
kl_coef = 0.1
kl_estimator = "k1"
kl_placement = "reward"
scale_rewards = "none"
rollouts = 32"#,
            120,
        ),
    );
    assert_trained("grpo", &run, 0.1, 0.15, 0.5);
}

#[test]
fn grpo_with_its_defaults_is_measured_against_the_bound() {
    // TRL's GRPO: k3 in the loss, advantages scaled by the group's standard deviation. Its
    // rest point is not pi*: the KL it reaches is measured and reported, not bounded.
    let run = run(
        "grpo-defaults",
        &config(
            r#"[algorithm]
type = "grpo"
kl_coef = 0.1
rollouts = 32"#,
            120,
        ),
    );
    run.assert_finite();
    let (before, after) = (run.first("reward/true"), run.last("reward/true"));
    println!(
        "grpo (defaults): reward/true {before:.4} -> {after:.4}, kl/reference {:.4}, \
         pi* bound {:.4}, {:.2} s",
        run.last("kl/reference"),
        (1.0 - before) / 0.1,
        run.seconds
    );
    assert!(after >= before + 0.3, "reward {before} -> {after}");
}

#[test]
fn rloo_raises_the_reward_within_the_kl_bound() {
    let run = run(
        "rloo",
        &config(
            r#"[algorithm]
type = "rloo"
kl_coef = 0.1
rollouts = 32"#,
            120,
        ),
    );
    assert_trained("rloo", &run, 0.1, 0.15, 0.5);
}

#[test]
fn completions_without_eos_lose_the_missing_eos_penalty() {
    let run = run(
        "eos",
        &config(
            r#"[algorithm]
type = "ppo"
kl_coef = 0.1
rollouts = 32
critic = "value_model"
missing_eos_penalty = 1.0"#,
            20,
        ),
    );
    run.assert_finite();
    // The score PPO trains on is the true reward less 1.0 for each completion that reached
    // max_new_tokens without EOS.
    let clipped = run.first("completions/clipped_ratio");
    let expected = run.first("objective/true_scores") - clipped;
    assert!(
        clipped > 0.5,
        "the random policy rarely says EOS: {clipped}"
    );
    assert!((run.first("objective/scores") - expected).abs() < 1e-6);
    println!(
        "missing_eos_penalty 1.0: completions/clipped_ratio {clipped:.3} -> {:.3}",
        run.last("completions/clipped_ratio")
    );
    assert!(run.last("completions/clipped_ratio") < clipped - 0.3);
}

#[test]
fn an_interrupted_run_on_a_language_model_resumes_to_the_same_numbers() {
    let toml = config(
        r#"[algorithm]
type = "ppo"
kl_coef = 0.1
rollouts = 16
critic = "value_model""#,
        12,
    )
    .replace("eval_every = 10", "eval_every = 4\ncheckpoint_every = 4");
    let whole_dir = fresh_out_dir("prefopt-rlhf-lm", "resume-whole");
    let whole = run_in(&whole_dir, &toml, StartMode::Fresh, None);
    let dir = fresh_out_dir("prefopt-rlhf-lm", "resume-parts");
    let first = run_in(&dir, &toml, StartMode::Fresh, Some(6));
    assert_eq!(first.outcome, RunOutcome::Interrupted { steps: 6 });
    assert!(dir.join("checkpoints/step-0000006/critic.bpk").is_file());
    let resumed = run_in(&dir, &toml, StartMode::Resume, None);
    assert_eq!(resumed.outcome, RunOutcome::Completed);
    for (name, value) in &whole.summary {
        if name == "wall_seconds" || name == "started" || name == "resumed_at_step" {
            continue;
        }
        if let Some(value) = value.as_f64() {
            let again = resumed.metric(name).unwrap();
            assert!(
                (value - again).abs() <= 1e-6 * value.abs().max(1.0),
                "{name}: {value} uninterrupted, {again} resumed"
            );
        }
    }
    std::fs::remove_dir_all(&whole_dir).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ppo_on_a_learned_reward_model_raises_the_true_reward() {
    // The reward model is an encoder fitted to the task's pairs (230 for training, 26 held out);
    // PPO only sees its scores, and the true reward is measured beside them.
    let run = run(
        "ppo-learned",
        &config_with_reward(
            r#"[reward]
type = "learned"
steps = 300
batch_size = 32
[reward.network]
kind = "encoder""#,
            r#"[algorithm]
type = "ppo"
kl_coef = 0.1
rollouts = 32
critic = "value_model""#,
            60,
        ),
    );
    println!(
        "reward model: eval_accuracy {:.3}, accuracy {:.3}",
        run.last("reward_model/eval_accuracy"),
        run.last("reward_model/accuracy")
    );
    assert!(run.last("reward_model/eval_accuracy") > 0.8);
    // Not bounded by the true reward's KL bound: the policy optimizes the learned scores.
    run.assert_finite();
    let (before, after) = (run.first("reward/true"), run.last("reward/true"));
    println!(
        "ppo (learned): reward/true {before:.4} -> {after:.4}, objective/scores {:.4} -> {:.4}, \
         kl/reference {:.4}, {:.2} s",
        run.first("objective/scores"),
        run.last("objective/scores"),
        run.last("kl/reference"),
        run.seconds
    );
    assert!(after >= before + 0.3, "true reward {before} -> {after}");
}

#[test]
fn bad_input_on_a_language_model_names_the_field() {
    // Refused when the config is read (a located error), or when the run starts.
    let failure = |name: &str, toml: &str| -> String {
        let config = match ExperimentConfig::from_toml_str(toml, Path::new("bad.toml")) {
            Ok(config) => config,
            Err(error) => return error.to_string(),
        };
        let dir = fresh_out_dir("prefopt-rlhf-lm", name);
        let options = RunOptions::new(&dir, Device::default());
        let error = run_experiment(config, &options, &mut prefopt::NullSink)
            .expect_err(name)
            .to_string();
        let _ = std::fs::remove_dir_all(&dir);
        error
    };
    let ppo = |lines: &str| config(&format!("[algorithm]\ntype = \"ppo\"\n{lines}"), 2);
    let cases = [
        (
            "population",
            ppo("critic = \"value_model\""),
            vec!["algorithm.rollouts", "rollouts = 64"],
        ),
        (
            "eos-without-stop-tokens",
            ppo("rollouts = 4\ncritic = \"none\"\nmissing_eos_penalty = 1.0")
                .replace("stop_token_ids = [2]", ""),
            vec!["algorithm.missing_eos_penalty", "stop_token_ids"],
        ),
        (
            "value-model-on-a-table",
            ppo("rollouts = 4\ncritic = \"value_model\"")
                .replace("type = \"token_reward\"", "type = \"bandit\"")
                .replace(POLICY, "[policy]\ntype = \"tabular\""),
            vec!["algorithm.critic = \"value_model\"", "critic = \"table\""],
        ),
        (
            "value-model-sources",
            ppo("rollouts = 4\ncritic = \"value_model\"\n[algorithm.value_model]\ntiny = false"),
            vec!["algorithm.value_model.model", "exactly one", "line"],
        ),
    ];
    for (name, toml, phrases) in cases {
        let error = failure(name, &toml);
        for phrase in phrases {
            assert!(error.contains(phrase), "{name}: `{phrase}` not in: {error}");
        }
    }
}
