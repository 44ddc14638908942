//! The `preference_file` task on the repository's small files: every format, tokenized with a
//! tiny byte-level tokenizer whose ids are computed here independently (each byte is its own
//! id), truncation, eval splits, weights, batches, and the config.

use crate::common;

use common::*;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{Split, Task, TaskBatch, TaskConfig};
use prefopt_data::preference_file::FileFormat;
use prefopt_data::preference_task::{
    PreferenceFileConfig, PreferenceFileTask, TaskData, TokenLimit, TokenizedPair,
    TokenizedUnpaired,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn pairs(task: &PreferenceFileTask) -> (&[TokenizedPair], &[TokenizedPair]) {
    match task.data() {
        TaskData::Pairs { train, eval } => (train, eval),
        TaskData::Unpaired { .. } => panic!("expected pairs"),
    }
}

fn unpaired(task: &PreferenceFileTask) -> &[TokenizedUnpaired] {
    match task.data() {
        TaskData::Unpaired { train, .. } => train,
        TaskData::Pairs { .. } => panic!("expected unpaired completions"),
    }
}

/// `(prompt, chosen, rejected)` of each training pair.
fn triples(task: &PreferenceFileTask) -> Vec<(Vec<u32>, Vec<u32>, Vec<u32>)> {
    pairs(task)
        .0
        .iter()
        .map(|p| (p.prompt.clone(), p.chosen.clone(), p.rejected.clone()))
        .collect()
}

/// ChatML as the test template renders it.
fn turn(role: &str, content: &str) -> String {
    format!("<|im_start|>{role}\n{content}<|im_end|>\n")
}

const GENERATION: &str = "<|im_start|>assistant\n";

#[test]
fn standard_text_gets_eos_after_each_completion() {
    let task = build(&config("standard.jsonl")).unwrap();
    assert_eq!(
        task.report().format,
        "the fields of the standard format (prompt, chosen, rejected)"
    );
    assert_eq!(
        triples(&task)[..2],
        [
            (ids("The sky is"), ids_eos(" blue."), ids_eos(" green.")),
            (ids("2+2="), ids_eos("4"), ids_eos("5")),
        ]
    );
    assert_eq!(task.examples(Split::Train), Some(4));
    assert_eq!(task.examples(Split::Eval), Some(0));
    assert_eq!(task.num_pairs(), Some(4));
    assert_eq!(task.skipped_examples(), 0);
    assert_eq!(task.pad_id(), PAD);
    assert_eq!(task.report().counts.boundary_merges, 0);
    assert_eq!(
        format!("{task:?}"),
        "PreferenceFileTask { format: \"the fields of the standard format (prompt, chosen, rejected)\", unpaired: false, train: 4, eval: 0, skipped: 0, pad_id: 259 }"
    );
}

#[test]
fn a_batch_is_right_padded_with_masks_on_the_completion_only() {
    let task = build(&config("standard.jsonl")).unwrap();
    let device = Device::default();
    let TaskBatch::Pairs(batch) = task.batch_at(Split::Train, &[1, 0], &device).unwrap() else {
        panic!("pairs")
    };
    assert_eq!(batch.len(), 2);
    assert!(batch.weights.is_none());
    let (p1, p0) = (ids("2+2="), ids("The sky is"));
    assert_eq!(
        rows(batch.chosen.prompts.clone()),
        [padded(&p1, 10), padded(&p0, 10)]
    );
    assert_eq!(
        float_rows(batch.chosen.prompt_mask.clone()),
        [mask(4, 10), mask(10, 10)]
    );
    assert_eq!(
        rows(batch.chosen.completions.clone()),
        [padded(&ids_eos("4"), 7), padded(&ids_eos(" blue."), 7)]
    );
    assert_eq!(
        float_rows(batch.chosen.completion_mask.clone()),
        [mask(2, 7), mask(7, 7)]
    );
    assert_eq!(
        rows(batch.rejected.prompts.clone()),
        rows(batch.chosen.prompts.clone())
    );
    assert_eq!(
        rows(batch.rejected.completions.clone()),
        [padded(&ids_eos("5"), 8), padded(&ids_eos(" green."), 8)]
    );
    assert_eq!(batch.rejected.lengths(), [(4, 2), (10, 8)]);
}

#[test]
fn conversations_go_through_the_chat_template() {
    let task = build(&config("conversational.jsonl")).unwrap();
    let prompt0 = format!(
        "{}{}{GENERATION}",
        turn("system", "Be brief."),
        turn("user", "Sky?")
    );
    let prompt1 = format!(
        "{}{}{}{GENERATION}",
        turn("user", "Hi"),
        turn("assistant", "Hello."),
        turn("user", "2+2?")
    );
    // The completion is the rendering of prompt + completion after the prompt's rendering: the
    // template's end of turn, and no EOS added (TRL adds EOS to text only).
    assert_eq!(
        triples(&task),
        [
            (
                ids(&prompt0),
                ids("Blue.<|im_end|>\n"),
                ids("Green.<|im_end|>\n")
            ),
            (ids(&prompt1), ids("4<|im_end|>\n"), ids("5<|im_end|>\n")),
        ]
    );
}

#[test]
fn implicit_prompt_text_with_a_merge_across_the_boundary() {
    let task = build(&config("implicit.jsonl")).unwrap();
    let find_a: Vec<u32> = "Find a".bytes().map(u32::from).collect();
    assert_eq!(
        triples(&task),
        [
            (ids("The sky is"), ids_eos(" blue."), ids_eos(" green.")),
            // "Find a" + "b cd" tokenizes as ... " ab" (id 260) ...: it does not start with the
            // prompt's ids, so the completion is encoded on its own.
            (find_a, vec![98, 32, 99, 100, EOS], ids_eos("x")),
        ]
    );
    assert_eq!(task.report().counts.boundary_merges, 1);
}

#[test]
fn implicit_prompt_conversational() {
    let task = build(&config("implicit_conversational.json")).unwrap();
    assert_eq!(
        triples(&task),
        [(
            ids(&format!("{}{GENERATION}", turn("user", "Hi"))),
            ids("Hello!<|im_end|>\n"),
            ids("Go.<|im_end|>\n")
        )]
    );
}

#[test]
fn llamafactory_sharegpt() {
    let task = build(&config("sharegpt.json")).unwrap();
    let prompt0 = format!(
        "{}{}{}{}{GENERATION}",
        turn("system", "S"),
        turn("user", "Q1"),
        turn("assistant", "A1"),
        turn("user", "Q2")
    );
    let prompt1 = format!("{}{GENERATION}", turn("user", "Name a colour."));
    assert_eq!(
        triples(&task),
        [
            (
                ids(&prompt0),
                ids("good<|im_end|>\n"),
                ids("poor<|im_end|>\n")
            ),
            (
                ids(&prompt1),
                ids("Red.<|im_end|>\n"),
                ids("Dog.<|im_end|>\n")
            ),
        ]
    );
}

#[test]
fn unpaired_text_gives_unpaired_batches() {
    let task = build(&config("unpaired.jsonl")).unwrap();
    assert!(task.is_unpaired());
    assert_eq!(task.num_pairs(), None);
    let examples = unpaired(&task);
    assert_eq!(examples[2].prompt, ids("The sky is"));
    assert_eq!(examples[2].completion, ids_eos(" blue."));
    let device = Device::default();
    let TaskBatch::Unpaired(batch) = task.batch_at(Split::Train, &[0, 1, 2, 3], &device).unwrap()
    else {
        panic!("unpaired")
    };
    assert_eq!(floats(batch.desirable.clone()), [1.0, 0.0, 1.0, 0.0]);
    assert!(batch.weights.is_none());
    assert_eq!(
        rows(batch.sequences.completions.clone()),
        [
            padded(&ids_eos("4"), 8),
            padded(&ids_eos("5"), 8),
            padded(&ids_eos(" blue."), 8),
            padded(&ids_eos(" green."), 8)
        ]
    );
    assert_eq!(
        batch.sequences.lengths(),
        [(4, 2), (4, 2), (10, 7), (10, 8)]
    );
}

#[test]
#[should_panic(expected = "unpaired (KTO) preference file has no pairs")]
fn unpaired_files_are_not_sampled_as_pairs() {
    let task = build(&config("unpaired.jsonl")).unwrap();
    task.training_batch(&mut StdRng::seed_from_u64(0), 2, &Device::default());
}

#[test]
fn unpaired_conversational_and_llamafactory_kto() {
    let task = build(&config("unpaired_conversational.jsonl")).unwrap();
    let examples = unpaired(&task);
    assert_eq!(
        examples[0].prompt,
        ids(&format!("{}{GENERATION}", turn("user", "2+2?")))
    );
    assert_eq!(examples[0].completion, ids("4<|im_end|>\n"));
    assert_eq!(
        (examples[0].desirable, examples[1].desirable),
        (true, false)
    );

    let task = build(&config("kto_messages.json")).unwrap();
    let examples = unpaired(&task);
    assert_eq!(
        examples[0].prompt,
        ids(&format!("{}{GENERATION}", turn("user", "Q?")))
    );
    assert_eq!(examples[0].completion, ids("A.<|im_end|>\n"));
    let prompt1 = format!(
        "{}{}{}{GENERATION}",
        turn("user", "Hi"),
        turn("assistant", "Hey"),
        turn("user", "2+2?")
    );
    assert_eq!(examples[1].prompt, ids(&prompt1));
    assert_eq!(examples[1].completion, ids("5<|im_end|>\n"));
    assert!(examples[0].desirable && !examples[1].desirable);
}

#[test]
fn weights_default_to_one_where_absent() {
    let task = build(&config("weighted.jsonl")).unwrap();
    let TaskBatch::Pairs(batch) = task
        .batch_at(Split::Train, &[0, 1, 2], &Device::default())
        .unwrap()
    else {
        panic!("pairs")
    };
    assert_eq!(floats(batch.weights.unwrap()), [2.0, 0.5, 1.0]);
}

#[test]
fn truncation_keeps_the_end_of_the_prompt_and_the_start_of_the_completion() {
    let config = PreferenceFileConfig {
        max_length: TokenLimit::Tokens(8),
        max_prompt_length: TokenLimit::Tokens(4),
        ..config("standard.jsonl")
    };
    let task = build(&config).unwrap();
    let triples = triples(&task);
    assert_eq!(triples[0], (ids("y is"), ids(" blu"), ids(" gre")));
    // "2+2=" fits; its completions ("4" + EOS) too.
    assert_eq!(triples[1], (ids("2+2="), ids_eos("4"), ids_eos("5")));
    assert_eq!(triples[3], (ids("s is"), ids(" gre"), ids(" red")));
    let counts = task.report().counts;
    // Prompts over 4 tokens: "The sky is", "Say hi:", "Grass is". Completions over 8 - 4: both
    // of the first and of the last record.
    assert_eq!(
        (counts.truncated_prompts, counts.truncated_completions),
        (3, 4)
    );
    assert_eq!(task.report().sequence_tokens.max, 8);

    let config = PreferenceFileConfig {
        max_completion_length: TokenLimit::Tokens(2),
        ..config
    };
    assert_eq!(triples_of(&config)[0], (ids("y is"), ids(" b"), ids(" g")));
}

fn triples_of(config: &PreferenceFileConfig) -> Vec<(Vec<u32>, Vec<u32>, Vec<u32>)> {
    triples(&build(config).unwrap())
}

#[test]
fn add_eos_false_leaves_text_completions_as_written() {
    let config = PreferenceFileConfig {
        add_eos: false,
        ..config("standard.jsonl")
    };
    assert_eq!(triples_of(&config)[1], (ids("2+2="), ids("4"), ids("5")));
}

#[test]
fn a_tokenizer_that_adds_bos_puts_it_before_text_prompts_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        data("tokenizer/tokenizer.json"),
        dir.path().join("tokenizer.json"),
    )
    .unwrap();
    let mut tokenizer_config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data("tokenizer/tokenizer_config.json")).unwrap(),
    )
    .unwrap();
    tokenizer_config["add_bos_token"] = true.into();
    tokenizer_config["bos_token"] = "<|endoftext|>".into();
    std::fs::write(
        dir.path().join("tokenizer_config.json"),
        tokenizer_config.to_string(),
    )
    .unwrap();
    let tokenizer =
        prefopt_tokenizer::Tokenizer::from_file(dir.path().join("tokenizer.json")).unwrap();
    let task = config("standard.jsonl").build_task(0, &tokenizer).unwrap();
    let mut prompt = vec![EOS];
    prompt.extend(ids("2+2="));
    assert_eq!(triples(&task)[1], (prompt, ids_eos("4"), ids_eos("5")));
    // A chat template writes its own special tokens: no BOS is added to its text.
    let task = config("conversational.jsonl")
        .build_task(0, &tokenizer)
        .unwrap();
    assert_eq!(triples(&task)[0].0[0], IM_START);
}

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
