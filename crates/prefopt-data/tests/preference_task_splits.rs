//! The `preference_file` task's splits, batches and config: eval files and fractions, sampled and
//! indexed batches, the tokenizer requirement, forced formats, TOML defaults, validation, and the
//! registered plugin.

use crate::common;

use common::*;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{Split, Task, TaskBatch, TaskConfig};
use prefopt_data::preference_file::FileFormat;
use prefopt_data::preference_task::{PreferenceFileConfig, TokenLimit, TokenizedPair};
use rand::SeedableRng;
use rand::rngs::StdRng;

#[test]
fn an_eval_file_is_the_held_out_split() {
    let config = PreferenceFileConfig {
        eval_path: Some(data("standard_eval.jsonl")),
        ..config("standard.jsonl")
    };
    let task = build(&config).unwrap();
    assert_eq!(
        (task.examples(Split::Train), task.examples(Split::Eval)),
        (Some(4), Some(2))
    );
    let TaskBatch::Pairs(batch) = task
        .batch_at(Split::Eval, &[1], &Device::default())
        .unwrap()
    else {
        panic!("pairs")
    };
    assert_eq!(rows(batch.chosen.prompts), [padded(&ids("3+3="), 4)]);
    assert_eq!(rows(batch.chosen.completions), [padded(&ids_eos("6"), 2)]);
    assert_eq!(task.report().eval, 2);
}

#[test]
fn eval_fraction_holds_out_a_seeded_part() {
    let config = PreferenceFileConfig {
        eval_fraction: Some(0.5),
        ..config("standard.jsonl")
    };
    let tokenizer = tiny_tokenizer();
    let split_of = |seed| {
        let task = config.build_task(seed, &*tokenizer).unwrap();
        let (train, eval) = pairs(&task);
        let prompts = |examples: &[TokenizedPair]| -> Vec<Vec<u32>> {
            examples.iter().map(|e| e.prompt.clone()).collect()
        };
        (prompts(train), prompts(eval))
    };
    let (train, eval) = split_of(7);
    assert_eq!((train.len(), eval.len()), (2, 2));
    let mut all: Vec<Vec<u32>> = train.iter().chain(&eval).cloned().collect();
    all.sort();
    let mut expected: Vec<Vec<u32>> = ["The sky is", "2+2=", "Say hi:", "Grass is"]
        .map(ids)
        .to_vec();
    expected.sort();
    assert_eq!(all, expected);
    assert_eq!(split_of(7), (train, eval));
    let splits: std::collections::HashSet<_> = (0..16).map(|seed| split_of(seed).1).collect();
    assert!(splits.len() > 1, "the split follows the seed");
}

#[test]
fn training_batches_sample_distinct_pairs() {
    let task = build(&config("standard.jsonl")).unwrap();
    let device = Device::default();
    let mut rng = StdRng::seed_from_u64(1);
    let batch = task.training_batch(&mut rng, 3, &device);
    let prompts = rows(batch.chosen.prompts);
    assert_eq!(prompts.len(), 3);
    let distinct: std::collections::HashSet<_> = prompts.iter().collect();
    assert_eq!(distinct.len(), 3);
    assert_eq!(task.training_batch(&mut rng, 100, &device).len(), 4);
}

#[test]
fn batch_at_refuses_bad_indices() {
    let task = build(&config("standard.jsonl")).unwrap();
    let device = Device::default();
    let message = task
        .batch_at(Split::Train, &[0, 4], &device)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("index 4") && message.contains("has 4 examples"),
        "{message}"
    );
    let message = task
        .batch_at(Split::Eval, &[0], &device)
        .unwrap_err()
        .to_string();
    assert!(message.contains("eval split has 0 examples"), "{message}");
    assert!(task.batch_at(Split::Train, &[], &device).is_err());
}

#[test]
fn a_policy_without_a_tokenizer_is_refused_naming_the_model_field() {
    let config = config("standard.jsonl");
    for error in [
        config.build_with_tokenizer(0, &|| Ok(None)).unwrap_err(),
        config.build(0).unwrap_err(),
    ] {
        let message = error.to_string();
        assert!(
            message.contains("`[policy] model = ")
                && message.contains("tiny = true")
                && message.contains("standard.jsonl"),
            "{message}"
        );
    }
    let tokenizer = tiny_tokenizer();
    let task = config
        .build_with_tokenizer(0, &|| Ok(Some(tokenizer.clone())))
        .unwrap();
    assert_eq!(task.examples(Split::Train), Some(4));
}

#[test]
fn a_forced_format_reads_every_record_in_it() {
    let config = PreferenceFileConfig {
        format: FileFormat::Unpaired,
        ..config("standard.jsonl")
    };
    let message = build(&config).unwrap_err().to_string();
    assert!(
        message.contains("standard.jsonl: line 1: `completion` missing"),
        "{message}"
    );
    let config = PreferenceFileConfig {
        eval_path: Some(data("unpaired.jsonl")),
        ..common::config("standard.jsonl")
    };
    let message = build(&config).unwrap_err().to_string();
    assert!(
        message.contains("unpaired.jsonl: line 1: `chosen` missing"),
        "{message}"
    );
}

#[test]
fn the_config_reads_from_toml_with_trl_defaults() {
    let config: Box<dyn TaskConfig> = toml::from_str(
        "type = \"preference_file\"\npath = \"pairs.jsonl\"\nmax_prompt_length = \"none\"\non_bad_example = \"skip\"\nformat = \"sharegpt\"\n",
    )
    .unwrap();
    let text = toml::to_string(&config).unwrap();
    assert!(text.contains("max_length = 1024"), "{text}");
    assert!(text.contains("max_prompt_length = \"none\""), "{text}");
    assert!(text.contains("max_completion_length = \"none\""), "{text}");
    assert!(text.contains("add_eos = true"), "{text}");
    assert!(text.contains("on_bad_example = \"skip\""), "{text}");
    assert!(text.contains("format = \"sharegpt\""), "{text}");
    let again: Box<dyn TaskConfig> = toml::from_str(&text).unwrap();
    assert_eq!(toml::to_string(&again).unwrap(), text);

    for (bad, expected) in [
        ("max_length = 0", "a positive number of tokens"),
        ("max_length = \"all\"", "a positive number of tokens"),
        ("on_bad_example = \"ignore\"", "unknown variant"),
        ("shuffle = true", "unknown field"),
    ] {
        let text = format!("type = \"preference_file\"\npath = \"p.jsonl\"\n{bad}\n");
        let message = toml::from_str::<Box<dyn TaskConfig>>(&text)
            .unwrap_err()
            .to_string();
        assert!(message.contains(expected), "{bad}: {message}");
    }
}

#[test]
fn validation_names_the_field() {
    let cases = [
        (
            PreferenceFileConfig {
                eval_fraction: Some(1.0),
                ..config("standard.jsonl")
            },
            "eval_fraction",
        ),
        (
            PreferenceFileConfig {
                eval_fraction: Some(0.2),
                eval_path: Some(data("standard_eval.jsonl")),
                ..config("standard.jsonl")
            },
            "eval_fraction",
        ),
        (
            PreferenceFileConfig {
                max_length: TokenLimit::Tokens(256),
                ..config("standard.jsonl")
            },
            "max_prompt_length",
        ),
        (PreferenceFileConfig::new(""), "path"),
    ];
    for (config, field) in cases {
        let error = config.validate().unwrap_err();
        assert_eq!(error.field, field, "{error}");
    }
    assert!(PreferenceFileConfig::default().validate().is_ok());
}

#[test]
fn the_plugin_is_registered_and_its_example_round_trips() {
    let info = prefopt_core::registry::plugins()
        .into_iter()
        .find(|info| info.name == "preference_file")
        .expect("registered");
    assert_eq!(info.kind, prefopt_core::PluginKind::Task);
    let example = (info.example)().unwrap();
    assert_eq!((info.check_example)(&example).unwrap(), example);
    assert!(example.contains("type = \"preference_file\""), "{example}");
    // The example reads a file of the repository, from its root.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let default = PreferenceFileConfig::default();
    assert!(root.join(&default.path).is_file());
    let task = PreferenceFileConfig::new(root.join(&default.path))
        .build_task(0, &*tiny_tokenizer())
        .unwrap();
    assert_eq!(task.examples(Split::Train), Some(4));
}
