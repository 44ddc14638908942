//! Every registered objective trains a causal language model from a config: the tiny random
//! model over the repository's byte-level test tokenizer, on a preference file (KTO also on an
//! unpaired file). Each run's losses stay finite and the policy moves.

use prefopt::burn::tensor::Device;
use prefopt::registry::plugins_of;
use prefopt::train::{RunOptions, run_experiment};
use prefopt::{ExperimentConfig, NullSink, PluginKind};
use std::path::{Path, PathBuf};

use crate::support;
use support::fresh_out_dir;

fn repository_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A short run of `objective` (an `[algorithm.objective]` section) on `data`.
fn config(objective: &str, data: &str) -> String {
    format!(
        r#"
seed = 3
[task]
type = "preference_file"
path = "{data}"
max_length = 32
max_prompt_length = 16
[policy]
type = "causal_lm"
tokenizer = "{tokenizer}"
[policy.architecture]
vocab_size = 264
hidden_size = 32
intermediate_size = 48
num_layers = 1
num_heads = 2
num_kv_heads = 1
head_dim = 16
rope_theta = 10000.0
rms_norm_eps = 1e-5
max_position_embeddings = 64
tie_word_embeddings = true
[algorithm]
type = "offline"
{objective}
[train]
steps = 4
lr = 1e-2
batch_size = 2
log_every = 1
eval_every = 100
"#,
        data = repository_file(data).display(),
        tokenizer = repository_file("tests/data/preference/tokenizer").display(),
    )
}

/// Trains and returns the logged losses.
fn losses(name: &str, text: &str) -> Vec<f64> {
    let config = ExperimentConfig::from_toml_str(text, Path::new("lm-objective.toml"))
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    let summary = run_experiment(
        config,
        &RunOptions::new(
            fresh_out_dir("prefopt-lm-objective", name),
            Device::default(),
        ),
        &mut NullSink,
    )
    .unwrap_or_else(|error| panic!("{name}: {error}"));
    summary
        .history
        .records
        .iter()
        .filter_map(|(_, values)| values.iter().find(|(n, _)| n == "loss").map(|(_, v)| *v))
        .collect()
}

#[test]
fn every_objective_trains_a_causal_lm_from_a_preference_file() {
    let objectives = plugins_of(PluginKind::Objective);
    assert!(objectives.len() >= 20, "{}", objectives.len());
    for info in objectives {
        let section = (info.example)().unwrap();
        let losses = losses(
            info.name,
            &config(&section, "tests/data/preference/standard.jsonl"),
        );
        assert!(losses.len() >= 4, "{}: {losses:?}", info.name);
        assert!(
            losses.iter().all(|loss| loss.is_finite()),
            "{}: {losses:?}",
            info.name
        );
        assert!(
            losses.windows(2).any(|pair| pair[0] != pair[1]),
            "{}: the loss never moved: {losses:?}",
            info.name
        );
    }
}

#[test]
fn kto_trains_on_an_unpaired_file() {
    let section = "[algorithm.objective]\ntype = \"kto\"\nbeta = 0.1\n";
    let losses = losses(
        "kto-unpaired",
        &config(section, "tests/data/preference/unpaired.jsonl"),
    );
    assert!(losses.iter().all(|loss| loss.is_finite()), "{losses:?}");
    assert!(
        losses.windows(2).any(|pair| pair[0] != pair[1]),
        "{losses:?}"
    );
}
