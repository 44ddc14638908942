//! Bad input to the `preference_file` task: each class is an error naming the file, the line or
//! record and the field, or, with `on_bad_example = "skip"`, a counted skip.

use crate::common;

use common::*;
use prefopt_data::preference_file::OnBadExample;
use prefopt_data::preference_task::{PreferenceFileConfig, TaskData, TokenLimit};
use std::path::Path;

const GOOD: &str = r#"{"prompt": "2+2=", "chosen": "4", "rejected": "5"}"#;
const GOOD_CHAT: &str = r#"{"prompt": [{"role": "user", "content": "Q?"}], "chosen": [{"role": "assistant", "content": "A."}], "rejected": [{"role": "assistant", "content": "B."}]}"#;

/// The settings `bad.jsonl` is read with: a long prompt leaves no room under 40 tokens.
fn short(path: &Path) -> PreferenceFileConfig {
    PreferenceFileConfig {
        max_length: TokenLimit::Tokens(40),
        max_prompt_length: TokenLimit::Unlimited,
        ..PreferenceFileConfig::new(path)
    }
}

/// The error of a file holding `first` then `second`.
fn error_of(first: &str, second: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.jsonl");
    std::fs::write(&path, format!("{first}\n{second}\n")).unwrap();
    build(&short(&path)).unwrap_err().to_string()
}

/// Line `n` (1-based) of the repository's `name`.
fn line(name: &str, n: usize) -> String {
    std::fs::read_to_string(data(name))
        .unwrap()
        .lines()
        .nth(n - 1)
        .unwrap()
        .to_string()
}

#[test]
fn each_bad_line_is_an_error_naming_the_file_line_and_field() {
    let cases: [(usize, &[&str]); 7] = [
        (2, &["invalid JSON"]),
        (
            3,
            &["`rejected` missing: expected the fields of the standard format"],
        ),
        (4, &["`prompt`: empty: expected the prompt's text"]),
        (5, &["`rejected`: identical to `chosen`"]),
        (
            6,
            &[
                "`weight`: found NaN, which is not JSON",
                "expected a finite number",
            ],
        ),
        (7, &["`weight`: expected a finite number >= 0", "found -1"]),
        (
            8,
            &[
                "`prompt`: the prompt leaves no room for the completion: 71 tokens, and",
                "`max_length` = 40",
            ],
        ),
    ];
    for (n, expected) in cases {
        let message = error_of(GOOD, &line("bad.jsonl", n));
        assert!(
            message.contains("case.jsonl: line 2"),
            "line {n}: {message}"
        );
        for part in expected {
            assert!(
                message.contains(part),
                "line {n}: {message:?} lacks {part:?}"
            );
        }
    }
}

#[test]
fn each_bad_conversation_is_an_error_naming_the_message() {
    let cases: [(usize, &[&str]); 4] = [
        (
            2,
            &[
                "`prompt[1].role`: wrong role \"assistant\": a prompt must end with a message of role user or tool or observation",
            ],
        ),
        (
            3,
            &["`prompt[0].role`: wrong role \"robot\": expected one of system, user"],
        ),
        (
            4,
            &[
                "`chosen[0].role`: wrong role \"user\": a completion must start with a message of role assistant",
            ],
        ),
        (5, &["`chosen[0].content`: empty"]),
    ];
    for (n, expected) in cases {
        let message = error_of(GOOD_CHAT, &line("bad_conversational.jsonl", n));
        assert!(
            message.contains("case.jsonl: line 2"),
            "line {n}: {message}"
        );
        for part in expected {
            assert!(
                message.contains(part),
                "line {n}: {message:?} lacks {part:?}"
            );
        }
    }
}

#[test]
fn skip_leaves_bad_records_out_and_counts_them() {
    let config = PreferenceFileConfig {
        on_bad_example: OnBadExample::Skip,
        ..short(&data("bad.jsonl"))
    };
    let task = build(&config).unwrap();
    let TaskData::Pairs { train, .. } = task.data() else {
        panic!("pairs")
    };
    assert_eq!(train.len(), 2);
    assert_eq!(
        (train[0].prompt.clone(), train[1].prompt.clone()),
        (ids("2+2="), ids("3+3="))
    );
    assert_eq!(task.skipped_examples(), 7);
    let report = task.report();
    assert_eq!((report.records, report.skipped), (9, 7));
    for (reason, n) in report.skip_reasons.iter().zip(2..) {
        assert!(reason.contains(&format!("bad.jsonl: line {n}")), "{reason}");
    }

    let config = PreferenceFileConfig {
        on_bad_example: OnBadExample::Skip,
        ..PreferenceFileConfig::new(data("bad_conversational.jsonl"))
    };
    let task = build(&config).unwrap();
    assert_eq!((task.report().train, task.skipped_examples()), (2, 4));
}

#[test]
fn skip_detects_the_format_past_a_malformed_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("first_bad.jsonl");
    std::fs::write(&path, format!("{{\"prompt\": \n{GOOD}\n")).unwrap();
    let config = PreferenceFileConfig {
        on_bad_example: OnBadExample::Skip,
        ..PreferenceFileConfig::new(&path)
    };
    let task = build(&config).unwrap();
    assert_eq!((task.report().train, task.skipped_examples()), (1, 1));
    let message = build(&PreferenceFileConfig::new(&path))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("first_bad.jsonl: line 1: invalid JSON"),
        "{message}"
    );
}

#[test]
fn a_file_with_nothing_usable_is_an_error_even_when_skipping() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("all_bad.jsonl");
    std::fs::write(
        &path,
        format!("{}\n{}\n", line("bad.jsonl", 5), line("bad.jsonl", 7)),
    )
    .unwrap();
    let config = PreferenceFileConfig {
        on_bad_example: OnBadExample::Skip,
        ..PreferenceFileConfig::new(&path)
    };
    let message = build(&config).unwrap_err().to_string();
    assert!(
        message.contains("all_bad.jsonl: no usable record: all 2 were skipped; the first:")
            && message.contains("line 1: `rejected`: identical"),
        "{message}"
    );
}

#[test]
fn completions_identical_once_truncated_hold_no_preference() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.jsonl");
    std::fs::write(
        &path,
        r#"{"prompt": "Q:", "chosen": " the same start, then yes", "rejected": " the same start, then no"}"#,
    )
    .unwrap();
    let config = PreferenceFileConfig {
        max_length: TokenLimit::Tokens(12),
        max_prompt_length: TokenLimit::Tokens(4),
        ..PreferenceFileConfig::new(&path)
    };
    let message = build(&config).unwrap_err().to_string();
    assert!(
        message.contains("long.jsonl: line 1: `rejected`: identical to `chosen` once truncated to `max_length` = 12"),
        "{message}"
    );
}

#[test]
fn non_finite_weights_in_a_json_array_name_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weights.json");
    std::fs::write(
        &path,
        "[{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\", \"weight\": 1},\n {\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\", \"weight\": Infinity}]",
    )
    .unwrap();
    let message = build(&PreferenceFileConfig::new(&path))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("weights.json: record 1 of the array: `weight`: found Infinity"),
        "{message}"
    );
    let config = PreferenceFileConfig {
        on_bad_example: OnBadExample::Skip,
        ..PreferenceFileConfig::new(&path)
    };
    assert_eq!(build(&config).unwrap().skipped_examples(), 1);
}

#[test]
fn a_weight_beyond_f32_is_refused() {
    let message = error_of(
        GOOD,
        r#"{"prompt": "p", "chosen": "c", "rejected": "r", "weight": 1e39}"#,
    );
    assert!(
        message.contains("`weight`") && message.contains("(an f32)"),
        "{message}"
    );
}

#[test]
fn implicit_prompts_must_share_a_start() {
    let message = error_of(
        r#"{"chosen": "The sky is blue.", "rejected": "The sky is green."}"#,
        r#"{"chosen": "Blue.", "rejected": "Green."}"#,
    );
    assert!(
        message.contains("line 2: `chosen`: shares no start with `rejected`"),
        "{message}"
    );
    let message = error_of(
        r#"{"chosen": "The sky is blue.", "rejected": "The sky is green."}"#,
        r#"{"chosen": "The sky", "rejected": "The sky is green."}"#,
    );
    assert!(
        message.contains("line 2: `chosen`: empty") && message.contains("nothing follows"),
        "{message}"
    );
}
