//! The `controlled_sentiment` task on a small synthetic corpus in this repository: prompts,
//! splits, corpus pairs, the true reward, and pairs sampled from a random causal LM through the
//! reference-policy hook.

use prefopt_core::burn::tensor::Device;
use prefopt_core::{
    PolicyConfig, PrefoptError, Split, Task, TaskBatch, TaskConfig, TaskInputs, TextTokenizer,
};
use prefopt_data::controlled_sentiment::{
    ControlledSentimentConfig, ControlledSentimentTask, CorpusFile, CorpusFormat, PairSource,
    Preference,
};
use prefopt_models::{CausalLmConfig, CausalLmPolicyConfig};
use prefopt_tokenizer::{BpeTraining, Tokenizer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn config(pairs: PairSource) -> ControlledSentimentConfig {
    ControlledSentimentConfig {
        corpus: vec![CorpusFile {
            path: data("tiny_reviews.txt"),
            format: CorpusFormat::Lines,
        }],
        lexicon: Some(data("tiny_lexicon.txt")),
        emoji_lexicon: Some(data("tiny_emoji_lexicon.txt")),
        prompts: 0,
        prompt_tokens: 3,
        completion_tokens: 12,
        min_completion_tokens: 3,
        eval_fraction: 0.25,
        pairs,
        sample_batch: 4,
        ..ControlledSentimentConfig::default()
    }
}

/// A byte-level BPE of 300 tokens trained on the corpus, saved where a policy config can load it.
fn tokenizer_dir(config: &ControlledSentimentConfig) -> tempfile::TempDir {
    let texts = config.corpus_texts().unwrap().unwrap();
    let options = BpeTraining {
        vocab_size: 300,
        ..BpeTraining::default()
    };
    let tokenizer = Tokenizer::train_bpe(texts.into_iter(), &options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    tokenizer.save(dir.path()).unwrap();
    dir
}

fn build_corpus_task(config: &ControlledSentimentConfig, dir: &Path) -> Box<dyn Task> {
    let tokenizer: Arc<dyn TextTokenizer> =
        Arc::new(Tokenizer::from_file(dir.join("tokenizer.json")).unwrap());
    config
        .build_with(&TaskInputs::new(7, &|| Ok(Some(tokenizer.clone()))))
        .unwrap()
}

fn floats(tensor: prefopt_core::burn::tensor::Tensor<1>) -> Vec<f32> {
    tensor.into_data().convert::<f32>().try_to_vec().unwrap()
}

#[test]
fn corpus_pairs_split_and_score() {
    let config = config(PairSource::Corpus);
    let dir = tokenizer_dir(&config);
    let task = build_corpus_task(&config, dir.path());
    // 12 long sentences (the 13th, "short", is too short), 3 held out.
    assert_eq!(task.examples(Split::Train), Some(9));
    assert_eq!(task.examples(Split::Eval), Some(3));
    assert_eq!(task.num_pairs(), Some(9));
    let prompts = task.prompts().unwrap();
    assert_eq!(prompts.len(), 9);
    assert!(prompts.iter().all(|p| p.len() == 3));
    let device = Device::default();
    let TaskBatch::Pairs(batch) = task.batch_at(Split::Train, &[0, 1, 2], &device).unwrap() else {
        panic!("pairs")
    };
    assert_eq!(batch.len(), 3);
    // The true reward decodes the completions; a sentiment-laden corpus gives non-zero scores.
    let reward = task.true_reward().unwrap();
    let scores = floats(reward.score(&batch.chosen));
    assert!(
        scores.iter().all(|s| (-1.0..=1.0).contains(s)),
        "{scores:?}"
    );
    let error = task
        .batch_at(Split::Eval, &[3], &device)
        .unwrap_err()
        .to_string();
    assert!(error.contains("eval pair 3"), "{error}");
    // The same data_seed gives the same prompts whatever the run's seed; another reorders them.
    let again = build_corpus_task(&config, dir.path());
    assert_eq!(again.prompts(), task.prompts());
    let other = build_corpus_task(
        &ControlledSentimentConfig {
            data_seed: 1,
            ..config.clone()
        },
        dir.path(),
    );
    assert_ne!(other.prompts(), task.prompts());
}

#[test]
fn the_reward_of_a_corpus_continuation_is_vaders_score_of_its_text() {
    let config = config(PairSource::Corpus);
    let dir = tokenizer_dir(&config);
    let tokenizer: Arc<dyn TextTokenizer> =
        Arc::new(Tokenizer::from_file(dir.path().join("tokenizer.json")).unwrap());
    let task = ControlledSentimentTask::from_corpus(&config, tokenizer.clone()).unwrap();
    for pair in task.pairs(Split::Train) {
        let text = tokenizer.decode(&pair.chosen, true).unwrap();
        let expected = task.reward().vader().compound(&text);
        assert_eq!(
            task.reward().of(&pair.prompt, &pair.chosen).unwrap(),
            expected
        );
    }
    let loved = task.reward().vader().compound("i loved every minute");
    let hated = task.reward().vader().compound("i hated every minute");
    assert!(loved > 0.5 && hated < -0.5, "{loved} {hated}");
}

/// A random causal LM over the trained tokenizer's 300 ids.
fn random_lm(dir: &Path) -> CausalLmPolicyConfig {
    CausalLmPolicyConfig {
        tiny: false,
        architecture: Some(CausalLmConfig {
            vocab_size: 300,
            bos_token_id: Some(0),
            eos_token_id: Some(0),
            ..CausalLmConfig::tiny()
        }),
        tokenizer: Some(dir.to_owned()),
        seed: 3,
        ..CausalLmPolicyConfig::default()
    }
}

/// A lexicon in VADER's layout rating every alphabetic token text of the tokenizer in `dir`,
/// +2 or -2 by the parity of its id, so that a random model's samples (random tokens) carry
/// sentiment and two of them seldom tie; written to `dir/lexicon.txt`.
fn token_lexicon(dir: &Path) -> PathBuf {
    let tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).unwrap();
    let mut lines = String::new();
    for id in 0..tokenizer.vocab_size() as u32 {
        let text = tokenizer.decode(&[id], true).unwrap().trim().to_lowercase();
        if !text.is_empty() && text.chars().all(char::is_alphabetic) {
            let rating = if id % 2 == 0 { 2.0 } else { -2.0 };
            lines.push_str(&format!("{text}\t{rating}\t0.5\t[]\n"));
        }
    }
    let path = dir.join("lexicon.txt");
    std::fs::write(&path, lines).unwrap();
    path
}

fn build_sampled(
    config: &ControlledSentimentConfig,
    policy: &CausalLmPolicyConfig,
    run_seed: u64,
) -> Result<Box<dyn Task>, PrefoptError> {
    let dir = policy.tokenizer.as_deref().unwrap();
    let config = ControlledSentimentConfig {
        lexicon: Some(token_lexicon(dir)),
        ..config.clone()
    };
    let device = Device::default();
    let reference = |task: &dyn Task| policy.build(task, &device);
    config.build_with(
        &TaskInputs::new(run_seed, &|| policy.tokenizer()).with_reference_policy(&reference),
    )
}

#[test]
fn reference_sample_pairs_are_ordered_by_the_true_reward() {
    let config = ControlledSentimentConfig {
        completion_tokens: 16,
        ..config(PairSource::ReferenceSamples)
    };
    let dir = tokenizer_dir(&config);
    let policy = random_lm(dir.path());
    let task = build_sampled(&config, &policy, 0).unwrap();
    let pairs = task.examples(Split::Train).unwrap() + task.examples(Split::Eval).unwrap();
    assert!(pairs > 0 && pairs <= 12, "{pairs}");
    let device = Device::default();
    let indices: Vec<usize> = (0..task.examples(Split::Train).unwrap()).collect();
    let TaskBatch::Pairs(batch) = task.batch_at(Split::Train, &indices, &device).unwrap() else {
        panic!("pairs")
    };
    let reward = task.true_reward().unwrap();
    let (chosen, rejected) = (
        floats(reward.score(&batch.chosen)),
        floats(reward.score(&batch.rejected)),
    );
    for (c, r) in chosen.iter().zip(&rejected) {
        assert!(
            c > r,
            "deterministic pairs: chosen {c} must beat rejected {r}"
        );
    }
    // The run's seed does not change the pairs: every run of a sweep trains on the same data.
    let again = build_sampled(&config, &policy, 99).unwrap();
    let TaskBatch::Pairs(second) = again.batch_at(Split::Train, &indices, &device).unwrap() else {
        panic!("pairs")
    };
    assert_eq!(
        batch.chosen.completions.into_data(),
        second.chosen.completions.into_data()
    );
}

#[test]
fn bradley_terry_pairs_keep_ties_and_follow_the_reward_at_low_temperature() {
    let config = ControlledSentimentConfig {
        completion_tokens: 16,
        preference: Preference::BradleyTerry,
        preference_temperature: 1e-6,
        ..config(PairSource::ReferenceSamples)
    };
    let dir = tokenizer_dir(&config);
    let task = build_sampled(&config, &random_lm(dir.path()), 0).unwrap();
    // Bradley-Terry keeps every prompt's pair (a tie is a coin flip).
    assert_eq!(task.examples(Split::Train), Some(9));
    assert_eq!(task.examples(Split::Eval), Some(3));
    let device = Device::default();
    let TaskBatch::Pairs(batch) = task
        .batch_at(Split::Train, &(0..9).collect::<Vec<_>>(), &device)
        .unwrap()
    else {
        panic!("pairs")
    };
    let reward = task.true_reward().unwrap();
    let (chosen, rejected) = (
        floats(reward.score(&batch.chosen)),
        floats(reward.score(&batch.rejected)),
    );
    for (c, r) in chosen.iter().zip(&rejected) {
        assert!(
            c >= r,
            "at temperature 1e-6 the better sample wins: {c} vs {r}"
        );
    }
}

#[test]
fn building_without_a_tokenizer_or_a_reference_says_what_is_missing() {
    let config = config(PairSource::ReferenceSamples);
    let error = config.build(0).unwrap_err().to_string();
    assert!(error.contains("tokenizer"), "{error}");
    let error = config
        .build_with(&TaskInputs::new(0, &|| Ok(None)))
        .unwrap_err()
        .to_string();
    assert!(error.contains("tokenizer = DIR"), "{error}");
    let dir = tokenizer_dir(&config);
    let tokenizer: Arc<dyn TextTokenizer> =
        Arc::new(Tokenizer::from_file(dir.path().join("tokenizer.json")).unwrap());
    let error = config
        .build_with(&TaskInputs::new(0, &|| Ok(Some(tokenizer.clone()))))
        .unwrap_err()
        .to_string();
    assert!(error.contains("reference policy"), "{error}");
}

#[test]
fn validate_names_the_field() {
    let cases = [
        (
            ControlledSentimentConfig {
                prompt_tokens: 0,
                ..ControlledSentimentConfig::default()
            },
            "prompt_tokens",
        ),
        (
            ControlledSentimentConfig {
                min_completion_tokens: 30,
                ..ControlledSentimentConfig::default()
            },
            "min_completion_tokens",
        ),
        (
            ControlledSentimentConfig {
                prompts: 1,
                ..ControlledSentimentConfig::default()
            },
            "prompts",
        ),
        (
            ControlledSentimentConfig {
                eval_fraction: 1.0,
                ..ControlledSentimentConfig::default()
            },
            "eval_fraction",
        ),
        (
            ControlledSentimentConfig {
                preference_temperature: 0.0,
                ..ControlledSentimentConfig::default()
            },
            "preference_temperature",
        ),
        (
            ControlledSentimentConfig {
                sampling_temperature: f64::NAN,
                ..ControlledSentimentConfig::default()
            },
            "sampling_temperature",
        ),
    ];
    for (config, field) in cases {
        assert_eq!(config.validate().unwrap_err().field, field);
    }
    assert!(ControlledSentimentConfig::default().validate().is_ok());
}

#[test]
fn the_config_reads_from_toml_with_every_field_named() {
    let text = r#"
        type = "controlled_sentiment"
        corpus = [{ path = "reviews.csv", format = "pang_lee" }, { path = "s.txt", format = "vader_snippets" }]
        pairs = "corpus"
        preference = "bradley_terry"
        score = "prompt_and_completion"
        prompts = 0
    "#;
    let config: Box<dyn TaskConfig> = toml::from_str(text).unwrap();
    let printed = format!("{config:?}");
    assert!(
        printed.contains("PangLee") && printed.contains("BradleyTerry"),
        "{printed}"
    );
    let unknown = toml::from_str::<Box<dyn TaskConfig>>(
        "type = \"controlled_sentiment\"\npairs = \"both\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(unknown.contains("reference_samples"), "{unknown}");
}
