//! The `preference_file` task on the repository's small files: every format, tokenized with a
//! tiny byte-level tokenizer whose ids are computed here independently (each byte is its own
//! id), truncation, eval splits, weights, batches, and the config.

use crate::common;

use common::*;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{Split, Task, TaskBatch};
use prefopt_data::preference_task::{
    PreferenceFileConfig, PreferenceFileTask, TaskData, TokenLimit, TokenizedUnpaired,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

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
