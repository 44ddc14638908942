//! `[train]` fields a config leaves out take the policy's defaults, written out in the run's
//! resolved config: the bandit values for tables, TRL's `DPOConfig` for language models.

use prefopt::burn::tensor::Device;
use prefopt::train::{RunOptions, run_experiment};
use prefopt::{ExperimentConfig, LrSchedulerType, NullSink};
use std::path::Path;

use crate::support;
use support::fresh_out_dir;

fn config(policy: &str, train: &str) -> ExperimentConfig {
    let text = format!(
        "seed = 1\n[task]\ntype = \"bandit\"\ncontexts = 2\nactions = 3\n[policy]\n{policy}\n\
         [algorithm]\ntype = \"offline\"\n[algorithm.objective]\ntype = \"dpo\"\n[train]\n{train}\n"
    );
    ExperimentConfig::from_toml_str(&text, Path::new("defaults.toml")).unwrap()
}

#[test]
fn a_language_model_gets_trls_dpo_defaults() {
    let config = config("type = \"causal_lm\"\ntiny = true", "log_every = 5");
    let train = &config.train;
    assert_eq!(train.lr, Some(1e-6));
    assert_eq!(train.batch_size, Some(8));
    assert_eq!(train.epochs, Some(3.0));
    assert_eq!(train.steps, None);
    assert_eq!(train.max_grad_norm, Some(1.0));
    assert_eq!(train.lr_scheduler_type, Some(LrSchedulerType::Linear));
    assert_eq!(train.weight_decay, Some(0.0));
    assert_eq!(train.warmup_ratio, Some(0.0));
    assert_eq!(train.gradient_accumulation_steps, 1);
    let text = config.to_toml().unwrap();
    for line in [
        "lr = 0.000001",
        "batch_size = 8",
        "epochs = 3.0",
        "max_grad_norm = 1.0",
        "lr_scheduler_type = \"linear\"",
    ] {
        assert!(text.contains(line), "{line} not in:\n{text}");
    }
    // The written config reads back to itself.
    let again = ExperimentConfig::from_toml_str(&text, Path::new("config.toml")).unwrap();
    assert_eq!(again.to_toml().unwrap(), text);
}

#[test]
fn a_table_keeps_the_bandit_defaults_and_given_values_win() {
    let config = config("type = \"tabular\"", "lr = 0.01");
    let train = &config.train;
    assert_eq!(train.steps, Some(1000));
    assert_eq!(train.lr, Some(0.01));
    assert_eq!(train.batch_size, Some(64));
    assert_eq!(train.max_grad_norm(), None, "no clipping");
    assert_eq!(train.lr_scheduler_type, Some(LrSchedulerType::Constant));
}

#[test]
fn default_epochs_on_a_task_that_samples_ask_for_steps() {
    let dir = fresh_out_dir("prefopt-defaults", "epochs");
    let config = config("type = \"causal_lm\"\ntiny = true", "log_every = 5");
    let error = run_experiment(
        config,
        &RunOptions::new(&dir, Device::default()),
        &mut NullSink,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("train.epochs") && error.contains("give `steps`"),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
