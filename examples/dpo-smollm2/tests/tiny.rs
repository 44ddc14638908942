//! The tiny config trains: held-out accuracy and margins rise; the reference cache and LoRA
//! give the runs they should.

use dpo_smollm2_example::{config_path, repository_root};
use prefopt::burn::tensor::Device;
use prefopt::train::{RunOptions, RunSummary, run_experiment};
use prefopt::{ExperimentConfig, NullSink};
use std::path::{Path, PathBuf};

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("prefopt-dpo-tiny-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs `tiny.toml` with `edit` applied to its text, from the repository root (the config's
/// paths are relative to it).
fn run(name: &str, edit: impl Fn(String) -> String) -> RunSummary {
    let path = config_path("tiny.toml");
    let text = edit(std::fs::read_to_string(&path).unwrap());
    let root = repository_root();
    let text = text
        .replace("\"examples/", &format!("\"{}/examples/", root.display()))
        .replace("\"tests/", &format!("\"{}/tests/", root.display()));
    let config = ExperimentConfig::from_toml_str(&text, Path::new("tiny.toml")).unwrap();
    run_experiment(
        config,
        &RunOptions::new(out_dir(name), Device::default()),
        &mut NullSink,
    )
    .unwrap()
}

/// `(step, value)` of every logged row holding `metric`.
fn curve(summary: &RunSummary, metric: &str) -> Vec<(usize, f64)> {
    summary
        .history
        .records
        .iter()
        .filter_map(|(step, values)| {
            values
                .iter()
                .find(|(name, _)| name == metric)
                .map(|(_, value)| (*step, *value))
        })
        .collect()
}

#[test]
fn held_out_accuracy_and_margins_rise() {
    let summary = run("plain", |text| text);
    let accuracy = curve(&summary, "eval_rewards/accuracies");
    let margins = curve(&summary, "eval_rewards/margins");
    assert!(accuracy.len() >= 3, "{accuracy:?}");
    let (first, last) = (accuracy[0].1, accuracy.last().unwrap().1);
    assert!(first < 0.5 && last >= 0.95, "{accuracy:?}");
    assert!(
        margins.last().unwrap().1 > margins[0].1 + 1.0,
        "{margins:?}"
    );
    for (name, value) in &summary.summary {
        if let Some(number) = value.as_f64() {
            assert!(number.is_finite(), "{name} = {number}");
        }
    }
}

#[test]
fn the_reference_cache_gives_the_frozen_reference_run_and_is_reused() {
    let plain = run("cache-plain", |text| text);
    let cache = out_dir("cache-file").with_extension("bin");
    let with_cache = |text: String| {
        text.replace(
            "type = \"offline\"",
            &format!(
                "type = \"offline\"\nprecompute_ref_log_probs = true\nref_log_probs_path = \"{}\"",
                cache.display()
            ),
        )
    };
    let built = run("cache-built", with_cache);
    let written = std::fs::metadata(&cache).unwrap().modified().unwrap();
    let reused = run("cache-reused", with_cache);
    assert_eq!(
        std::fs::metadata(&cache).unwrap().modified().unwrap(),
        written,
        "a second run reads the cache, it does not rewrite it"
    );
    for metric in [
        "loss",
        "eval_loss",
        "eval_rewards/margins",
        "rewards/chosen",
    ] {
        let expected = plain.metric(metric).unwrap();
        for summary in [&built, &reused] {
            let got = summary.metric(metric).unwrap();
            assert!(
                (got - expected).abs() <= 1e-4 * expected.abs().max(1.0),
                "{metric}: {got} with the cache, {expected} without"
            );
        }
    }
    let _ = std::fs::remove_file(&cache);
}

#[test]
fn lora_trains_only_adapters_and_still_learns_the_rule() {
    let summary = run("lora", |text| {
        text.replace(
            "seed = 0\n\n[policy.architecture]",
            "seed = 0\nlora = { rank = 4, alpha = 8, targets = [\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\", \"gate_proj\", \"up_proj\", \"down_proj\"] }\n\n[policy.architecture]",
        )
        .replace("lr = 1e-3", "lr = 1e-2")
    });
    let accuracy = curve(&summary, "eval_rewards/accuracies");
    assert!(accuracy.last().unwrap().1 >= 0.9, "{accuracy:?}");
}
