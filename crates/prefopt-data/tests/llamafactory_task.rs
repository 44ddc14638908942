//! LLaMA-Factory's real demo files (`dpo_en_demo.json`, `kto_en_demo.json`, 300 records each)
//! through the `preference_file` task with SmolLM2-135M-Instruct's tokenizer: every record is
//! usable, the ids spell the chat template's rendering exactly, TRL's default limits hold, and the
//! token length distribution is printed (`--nocapture`). Needs `scripts/fetch-assets`.

use prefopt_core::{ChatMessage, Split, Task};
use prefopt_data::preference_file::{Content, read_preference_file, read_unpaired_file};
use prefopt_data::preference_task::{
    PreferenceFileConfig, PreferenceFileTask, TaskData, TokenLimit,
};
use std::path::PathBuf;
use std::sync::OnceLock;

fn demo(name: &str) -> PathBuf {
    prefopt_core::assets::llamafactory_file(name).unwrap_or_else(|error| panic!("{error}"))
}

/// SmolLM2's tokenizer, read from its GGUF file once per test binary.
fn smollm2() -> &'static prefopt_tokenizer::Tokenizer {
    static TOKENIZER: OnceLock<prefopt_tokenizer::Tokenizer> = OnceLock::new();
    TOKENIZER.get_or_init(|| {
        let path = prefopt_core::assets::smollm2_gguf_path().unwrap_or_else(|e| panic!("{e}"));
        prefopt_tokenizer::Tokenizer::from_gguf_path(path).unwrap_or_else(|e| panic!("{e}"))
    })
}

fn messages(content: &Content) -> &[ChatMessage] {
    match content {
        Content::Messages(messages) => messages,
        Content::Text(_) => panic!("LLaMA-Factory's records are conversations"),
    }
}

fn unlimited(name: &str) -> PreferenceFileConfig {
    PreferenceFileConfig {
        max_length: TokenLimit::Unlimited,
        max_prompt_length: TokenLimit::Unlimited,
        ..PreferenceFileConfig::new(demo(name))
    }
}

fn print_report(label: &str, task: &PreferenceFileTask) {
    let report = task.report();
    println!(
        "{label}: {} examples ({} train, {} eval), {} skipped, {:.3} s to read and tokenize\n  prompt tokens:     {}\n  completion tokens: {}\n  sequence tokens:   {}\n  truncated prompts {}, truncated completions {}, boundary merges {}",
        report.records,
        report.train,
        report.eval,
        report.skipped,
        report.seconds,
        report.prompt_tokens,
        report.completion_tokens,
        report.sequence_tokens,
        report.counts.truncated_prompts,
        report.counts.truncated_completions,
        report.counts.boundary_merges,
    );
}

#[test]
fn dpo_demo_tokenizes_every_pair_exactly() {
    let tokenizer = smollm2();
    let task = unlimited("dpo_en_demo.json")
        .build_task(0, tokenizer)
        .unwrap();
    print_report("dpo_en_demo.json, no limits", &task);
    assert_eq!((task.report().train, task.skipped_examples()), (300, 0));
    let records = read_preference_file(demo("dpo_en_demo.json")).unwrap();
    let TaskData::Pairs { train, .. } = task.data() else {
        panic!("pairs")
    };
    for (record, pair) in records.iter().zip(train) {
        let prompt = messages(&record.prompt);
        assert_eq!(
            tokenizer.decode(&pair.prompt, false).unwrap(),
            tokenizer.apply_chat_template(prompt, true).unwrap(),
            "{:?}",
            pair.at
        );
        for (completion, ids) in [
            (&record.chosen, &pair.chosen),
            (&record.rejected, &pair.rejected),
        ] {
            let conversation: Vec<ChatMessage> =
                prompt.iter().chain(messages(completion)).cloned().collect();
            let full: Vec<u32> = pair.prompt.iter().chain(ids).copied().collect();
            assert_eq!(
                tokenizer.decode(&full, false).unwrap(),
                tokenizer.apply_chat_template(&conversation, false).unwrap(),
                "{:?}",
                pair.at
            );
        }
    }

    let task = PreferenceFileConfig {
        eval_fraction: Some(0.1),
        ..PreferenceFileConfig::new(demo("dpo_en_demo.json"))
    }
    .build_task(0, tokenizer)
    .unwrap();
    print_report(
        "dpo_en_demo.json, TRL's defaults (1024 / 512), eval_fraction 0.1",
        &task,
    );
    assert_eq!(
        (task.examples(Split::Train), task.examples(Split::Eval)),
        (Some(270), Some(30))
    );
    let report = task.report();
    assert!(report.sequence_tokens.max <= 1024 && report.prompt_tokens.max <= 512);
}

#[test]
fn kto_demo_tokenizes_every_completion_exactly() {
    let tokenizer = smollm2();
    let task = unlimited("kto_en_demo.json")
        .build_task(0, tokenizer)
        .unwrap();
    print_report("kto_en_demo.json, no limits", &task);
    assert_eq!((task.report().train, task.skipped_examples()), (300, 0));
    let records = read_unpaired_file(demo("kto_en_demo.json")).unwrap();
    let TaskData::Unpaired { train, .. } = task.data() else {
        panic!("unpaired")
    };
    assert_eq!(train.iter().filter(|e| e.desirable).count(), 150);
    for (record, example) in records.iter().zip(train) {
        let conversation: Vec<ChatMessage> = messages(&record.prompt)
            .iter()
            .chain(messages(&record.completion))
            .cloned()
            .collect();
        let full: Vec<u32> = example
            .prompt
            .iter()
            .chain(&example.completion)
            .copied()
            .collect();
        assert_eq!(
            tokenizer.decode(&full, false).unwrap(),
            tokenizer.apply_chat_template(&conversation, false).unwrap(),
            "{:?}",
            example.at
        );
        assert_eq!(example.desirable, record.label);
    }

    let task = PreferenceFileConfig::new(demo("kto_en_demo.json"))
        .build_task(0, tokenizer)
        .unwrap();
    print_report("kto_en_demo.json, TRL's defaults (1024 / 512)", &task);
    let report = task.report();
    assert!(report.sequence_tokens.max <= 1024 && report.prompt_tokens.max <= 512);
}
