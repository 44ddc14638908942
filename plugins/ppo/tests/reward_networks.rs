//! Reward models over token sequences: the seed's relevance example (after training on a few
//! relevance pairs, "this is a" + " reward function" scores higher than "this is a" + " cat")
//! with a transformer encoder and with a scalar head on a causal-LM trunk, written by the
//! `reward_model` algorithm and loaded back as `saved`; and the held-out accuracy of a reward
//! model learned from the `token_reward` task's pairs.

use prefopt_core::burn::tensor::Device;
use prefopt_core::{
    Algorithm, MetricValues, NullSink, RewardConfig, RewardModel, RunContext, SequenceBatch, Split,
    Task, TextTokenizer, TrainConfig,
};
use prefopt_data::preference_task::PreferenceFileConfig;
use prefopt_data::{TokenRewardConfig, TokenRewardTask};
use prefopt_models::reward_model::{EncoderRewardConfig, RewardNetworkConfig};
use prefopt_models::{CausalLmConfig, TabularPolicyConfig, TrunkConfig};
use prefopt_ppo::reward::{FitSettings, fit_reward_network};
use prefopt_ppo::{RewardModelTrainer, Saved};
use std::path::PathBuf;
use std::sync::Arc;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/preference")
        .join(name)
}

/// The tiny byte-level tokenizer written for the tests (bytes are ids 0-255, EOS 256, 261 ids).
fn tokenizer() -> Arc<dyn TextTokenizer> {
    Arc::new(prefopt_tokenizer::Tokenizer::from_file(data("tokenizer/tokenizer.json")).unwrap())
}

/// `prompt` + `completion` (with EOS, as the task tokenizes completions) scored by `model`.
fn score(
    model: &dyn RewardModel,
    tokenizer: &dyn TextTokenizer,
    prompt: &str,
    completion: &str,
) -> f32 {
    let mut ids = tokenizer.encode(completion, false).unwrap();
    ids.extend(tokenizer.eos_token_ids());
    let batch = SequenceBatch::from_ids(
        &[tokenizer.encode(prompt, false).unwrap()],
        &[ids],
        0,
        &Device::default(),
    )
    .unwrap();
    model
        .score(&batch)
        .into_data()
        .try_into_vec::<f32>()
        .unwrap()[0]
}

fn metric(metrics: &MetricValues, name: &str) -> f64 {
    metrics
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name}: {metrics:?}"))
        .1
}

/// Trains `network` on the relevance pairs with the `reward_model` algorithm into a run
/// directory, loads it back with `[reward] type = "saved"`, and returns the scores of "this is
/// a" + " reward function" and + " cat", before (a fresh network) and after.
fn relevance(network: RewardNetworkConfig, steps: usize, lr: f64) -> ([f32; 2], [f32; 2]) {
    let tokenizer = tokenizer();
    let task = PreferenceFileConfig::new(data("relevance.jsonl"))
        .build_task(0, &*tokenizer)
        .unwrap();
    let device = Device::default();
    let fresh = network.init(&device).unwrap().0;
    let pair = |model: &dyn RewardModel| {
        [
            score(model, &*tokenizer, "this is a", " reward function"),
            score(model, &*tokenizer, "this is a", " cat"),
        ]
    };
    let before = pair(&fresh);
    let dir = tempfile::tempdir().unwrap();
    // Every pair is trained on, the seed's example among them.
    let trainer = RewardModelTrainer {
        network,
        eval_fraction: 0.0,
        ..RewardModelTrainer::default()
    };
    let train = TrainConfig {
        steps: Some(steps),
        lr: Some(lr),
        batch_size: Some(12),
        log_every: steps,
        eval_every: steps,
        ..TrainConfig::default()
    };
    let report = trainer
        .run(&mut RunContext {
            task: &task,
            policy: &TabularPolicyConfig::default(),
            reward: None,
            train: &train,
            device: device.clone(),
            seed: 0,
            sink: &mut NullSink,
            out_dir: Some(dir.path().to_path_buf()),
            control: Default::default(),
        })
        .unwrap();
    assert_eq!(
        metric(&report.metrics, "accuracy"),
        1.0,
        "{:?}",
        report.metrics
    );
    for (name, content) in &report.artifacts {
        std::fs::write(dir.path().join(name), content.to_string()).unwrap();
    }
    let saved = Saved {
        path: dir.path().to_path_buf(),
    }
    .build(&task, 0, &device)
    .unwrap();
    (before, pair(&*saved.model))
}

#[test]
fn the_seeds_relevance_example_with_an_encoder() {
    let (before, after) = relevance(
        RewardNetworkConfig::Encoder(EncoderRewardConfig {
            vocab_size: 261,
            ..EncoderRewardConfig::default()
        }),
        100,
        1e-3,
    );
    println!("encoder: reward function / cat: before {before:?}, after {after:?}");
    assert!(after[0] > after[1] + 1.0, "{after:?}");
}

#[test]
fn the_seeds_relevance_example_with_a_causal_lm_head() {
    let architecture = CausalLmConfig {
        vocab_size: 261,
        ..CausalLmConfig::tiny()
    };
    let (before, after) = relevance(
        RewardNetworkConfig::CausalLm(TrunkConfig::random(architecture, 0)),
        100,
        1e-3,
    );
    println!("causal-LM head: reward function / cat: before {before:?}, after {after:?}");
    assert!(after[0] > after[1] + 1.0, "{after:?}");
}

#[test]
fn a_reward_model_learns_the_token_reward_from_its_pairs() {
    let config = TokenRewardConfig {
        pairs: 1000,
        eval_fraction: 0.2,
        ..TokenRewardConfig::default()
    };
    let task = TokenRewardTask::new(&config, 3).unwrap();
    let device = Device::default();
    for network in [
        RewardNetworkConfig::default(),
        RewardNetworkConfig::CausalLm(TrunkConfig::default()),
    ] {
        let started = std::time::Instant::now();
        let settings = FitSettings {
            steps: 300,
            lr: 1e-3,
            batch_size: 32,
            margin: None,
            center_rewards_coefficient: None,
            eval_fraction: 0.0,
            log_every: 300,
            eval_every: 300,
        };
        let (_, architecture, metrics) =
            fit_reward_network(&task, &network, &settings, 0, &device, &mut NullSink).unwrap();
        let accuracy = metric(&metrics, "eval_accuracy");
        println!(
            "{}: eval_accuracy {accuracy:.3} on {} held-out pairs (true reward: {}), {:.1} s",
            architecture.kind(),
            task.examples(Split::Eval).unwrap(),
            metric(&metrics, "reward/true_eval_accuracy"),
            started.elapsed().as_secs_f64()
        );
        assert_eq!(metric(&metrics, "reward/true_eval_accuracy"), 1.0);
        assert!(accuracy > 0.8, "{}: {accuracy}", architecture.kind());
    }
}
