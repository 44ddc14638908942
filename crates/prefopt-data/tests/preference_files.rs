//! Preference file readers: every format, JSON lines and JSON arrays, the error table and
//! LLaMA-Factory's demo files.

use prefopt_core::ChatMessage;
use prefopt_data::preference_file::{PreferenceFileError, split_implicit_text};
use prefopt_data::{Content, read_preference_file, read_unpaired_file};
use std::path::PathBuf;

/// Writes `text` to a file in a fresh temporary directory (kept alive by the returned guard).
fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write the test file");
    (dir, path)
}

fn text(s: &str) -> Content {
    Content::Text(s.to_string())
}

fn msgs(list: &[(&str, &str)]) -> Content {
    Content::Messages(list.iter().map(|(r, c)| ChatMessage::new(*r, *c)).collect())
}

fn paired_error(contents: &str) -> String {
    let (_dir, path) = file("data.jsonl", contents);
    let error = read_preference_file(&path).expect_err("the file is invalid");
    let message = error.to_string();
    assert!(message.contains("data.jsonl"), "names the file: {message}");
    message
}

#[test]
fn standard_text_jsonl_with_blank_lines() {
    let (_dir, path) = file(
        "pairs.jsonl",
        "{\"prompt\": \"The sky is\", \"chosen\": \" blue.\", \"rejected\": \" green.\"}\n\n  \n{\"prompt\": \"1+1=\", \"chosen\": \"2\", \"rejected\": \"3\"}\n",
    );
    let records = read_preference_file(&path).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].prompt, text("The sky is"));
    assert_eq!(records[0].chosen, text(" blue."));
    assert_eq!(records[1].rejected, text("3"));
}

#[test]
fn json_array_and_jsonl_read_the_same_records_whatever_the_extension() {
    let lines = "{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n{\"prompt\": \"d\", \"chosen\": \"e\", \"rejected\": \"f\"}\n";
    let array = "  \n[\n {\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"},\n {\"prompt\": \"d\", \"chosen\": \"e\", \"rejected\": \"f\"}\n]\n";
    let (_d1, jsonl) = file("data.json", lines);
    let (_d2, json) = file("data.jsonl", array);
    let from_lines = read_preference_file(&jsonl).unwrap();
    assert_eq!(from_lines.len(), 2);
    assert_eq!(from_lines, read_preference_file(&json).unwrap());
}

#[test]
fn conversational_standard() {
    let (_dir, path) = file(
        "conv.jsonl",
        r#"{"prompt": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Color of the sky?"}], "chosen": [{"role": "assistant", "content": "Blue."}], "rejected": [{"role": "assistant", "content": "Green."}]}"#,
    );
    let records = read_preference_file(&path).unwrap();
    assert_eq!(
        records[0].prompt,
        msgs(&[("system", "Be brief."), ("user", "Color of the sky?")])
    );
    assert_eq!(records[0].chosen, msgs(&[("assistant", "Blue.")]));
    assert_eq!(records[0].rejected, msgs(&[("assistant", "Green.")]));
}

#[test]
fn implicit_prompt_text_splits_at_the_common_prefix() {
    let (_dir, path) = file(
        "implicit.jsonl",
        "{\"chosen\": \"The sky is blue.\", \"rejected\": \"The sky is green.\"}\n{\"chosen\": \"caf\u{e9} au lait\", \"rejected\": \"caf\u{e8} noir\"}\n",
    );
    let records = read_preference_file(&path).unwrap();
    assert_eq!(records[0].prompt, text("The sky is"));
    assert_eq!(records[0].chosen, text(" blue."));
    assert_eq!(records[0].rejected, text(" green."));
    // é and è share their first UTF-8 byte: the split is on the character boundary before them.
    assert_eq!(records[1].prompt, text("caf"));
    assert_eq!(records[1].chosen, text("\u{e9} au lait"));
    assert_eq!(records[1].rejected, text("\u{e8} noir"));
}

#[test]
fn implicit_prompt_text_edge_cases() {
    assert_eq!(
        split_implicit_text("abc", "abcdef"),
        ("abc".into(), "".into(), "def".into())
    );
    assert_eq!(
        split_implicit_text("xyz", "abc"),
        ("".into(), "xyz".into(), "abc".into())
    );
}

#[test]
fn implicit_prompt_conversational_shares_leading_messages() {
    let (_dir, path) = file(
        "implicit_conv.json",
        r#"[{"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}],
             "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go away."}]}]"#,
    );
    let records = read_preference_file(&path).unwrap();
    assert_eq!(records[0].prompt, msgs(&[("user", "Hi")]));
    assert_eq!(records[0].chosen, msgs(&[("assistant", "Hello!")]));
    assert_eq!(records[0].rejected, msgs(&[("assistant", "Go away.")]));
}

#[test]
fn sharegpt_maps_roles() {
    let (_dir, path) = file(
        "sharegpt.json",
        r#"[{"conversations": [{"from": "system", "value": "S"}, {"from": "human", "value": "Q1"}, {"from": "gpt", "value": "A1"}, {"from": "human", "value": "Q2"}],
             "chosen": {"from": "gpt", "value": "good"}, "rejected": {"from": "gpt", "value": "bad"}}]"#,
    );
    let records = read_preference_file(&path).unwrap();
    assert_eq!(
        records[0].prompt,
        msgs(&[
            ("system", "S"),
            ("user", "Q1"),
            ("assistant", "A1"),
            ("user", "Q2")
        ])
    );
    assert_eq!(records[0].chosen, msgs(&[("assistant", "good")]));
    assert_eq!(records[0].rejected, msgs(&[("assistant", "bad")]));
}

#[test]
fn unpaired_text_and_conversational() {
    let (_d1, path) = file(
        "kto.jsonl",
        "{\"prompt\": \"2+2=\", \"completion\": \"4\", \"label\": true}\n{\"prompt\": \"2+2=\", \"completion\": \"5\", \"label\": false}\n",
    );
    let records = read_unpaired_file(&path).unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].completion, text("4"));
    assert!(records[0].label && !records[1].label);

    let (_d2, path) = file(
        "kto_conv.jsonl",
        r#"{"prompt": [{"role": "user", "content": "2+2?"}], "completion": [{"role": "assistant", "content": "4"}], "label": true}"#,
    );
    let records = read_unpaired_file(&path).unwrap();
    assert_eq!(records[0].prompt, msgs(&[("user", "2+2?")]));
    assert_eq!(records[0].completion, msgs(&[("assistant", "4")]));

    let (_d3, path) = file(
        "kto_messages.json",
        r#"[{"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}], "label": false}]"#,
    );
    let records = read_unpaired_file(&path).unwrap();
    assert_eq!(records[0].prompt, msgs(&[("user", "Q")]));
    assert_eq!(records[0].completion, msgs(&[("assistant", "A")]));
    assert!(!records[0].label);
}

#[test]
fn error_table() {
    let good = r#"{"prompt": "p", "chosen": "c", "rejected": "r"}"#;
    let cases: Vec<(String, &[&str])> = vec![
        (
            format!("{good}\n{{\"chosen\": \"c\", \"rejected\": \"r\"}}\n"),
            &["line 2", "`prompt` missing", "standard format (prompt, chosen, rejected)"],
        ),
        (
            format!("{good}\n\n{{\"prompt\": \"p\", \"chosen\": 3, \"rejected\": \"r\"}}\n"),
            &["line 3", "`chosen`", "expected a string or a list of {role, content} messages, found a number"],
        ),
        (
            format!("{good}\n{good}\n{{\"prompt\": \"p\", \"chosen\": \n"),
            &["line 3", "invalid JSON"],
        ),
        (
            format!("{good}\n{{\"prompt\": [{{\"role\": \"user\", \"content\": \"p\"}}], \"chosen\": [{{\"role\": \"assistant\", \"content\": \"c\"}}], \"rejected\": [{{\"role\": \"assistant\", \"content\": \"r\"}}]}}\n"),
            &["line 2", "mixed formats", "a string"],
        ),
        (
            r#"{"prompt": "p", "chosen": [{"role": "assistant", "content": "c"}], "rejected": "r"}"#.to_string(),
            &["line 1", "`chosen`", "expected a string like `prompt`, found a list of messages"],
        ),
        (
            r#"{"prompt": [{"role": "user"}], "chosen": [], "rejected": []}"#.to_string(),
            &["line 1", "`prompt[0].content` missing"],
        ),
        (
            r#"{"question": "p", "answer": "c"}"#.to_string(),
            &["line 1", "unknown format", "standard format (prompt, chosen, rejected)", "answer, question"],
        ),
        ("[1]".to_string(), &["record 0 of the array", "expected a JSON object", "a number"]),
        ("\n  \n".to_string(), &["no records"]),
        (String::new(), &["no records"]),
        ("[]".to_string(), &["no records"]),
        (
            "[\n{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\"},\n{\"prompt\": \"p\"\n]".to_string(),
            &["line 4", "invalid JSON"],
        ),
        (
            format!("{good}\n{{\"conversations\": [], \"chosen\": {{\"from\": \"gpt\", \"value\": \"c\"}}, \"rejected\": {{\"from\": \"gpt\", \"value\": \"r\"}}}}\n"),
            &["line 2", "`prompt` missing"],
        ),
    ];
    for (contents, expected) in cases {
        let message = paired_error(&contents);
        for part in expected {
            assert!(
                message.contains(part),
                "{message:?} should contain {part:?}"
            );
        }
    }
}

#[test]
fn sharegpt_and_unpaired_errors() {
    let message = paired_error(
        r#"{"conversations": [{"from": "robot", "value": "x"}], "chosen": {"from": "gpt", "value": "c"}, "rejected": {"from": "gpt", "value": "r"}}"#,
    );
    assert!(message.contains("`conversations[0].from`"), "{message}");
    assert!(message.contains("human, gpt, system"), "{message}");

    let (_dir, path) = file(
        "kto.jsonl",
        "{\"prompt\": \"p\", \"completion\": \"c\", \"label\": true}\n{\"prompt\": \"p\", \"completion\": \"c\", \"label\": \"yes\"}\n",
    );
    let message = read_unpaired_file(&path).unwrap_err().to_string();
    assert!(
        message.contains("line 2")
            && message.contains("`label`")
            && message.contains("expected a boolean"),
        "{message}"
    );

    let (_dir, path) = file(
        "kto.json",
        r#"[{"messages": [{"role": "user", "content": "Q"}], "label": true}]"#,
    );
    let message = read_unpaired_file(&path).unwrap_err().to_string();
    assert!(
        message.contains("`messages`") && message.contains("assistant's completion"),
        "{message}"
    );
}

#[test]
fn missing_file_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = read_preference_file(dir.path().join("absent.jsonl")).unwrap_err();
    assert!(matches!(error, PreferenceFileError::Io { .. }));
    assert!(error.to_string().contains("absent.jsonl"));
}

fn demo_file(name: &str) -> PathBuf {
    prefopt_core::assets::llamafactory_file(name).unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn llamafactory_dpo_demo() {
    let records = read_preference_file(demo_file("dpo_en_demo.json")).unwrap();
    assert_eq!(records.len(), 300);
    let prompt_lengths: Vec<usize> = records
        .iter()
        .map(|record| match &record.prompt {
            Content::Messages(messages) => messages.len(),
            Content::Text(_) => panic!("ShareGPT prompts are messages"),
        })
        .collect();
    // Measured: 186 prompts hold more than one message (80 of them a system message and one
    // user turn); 106 hold more than one non-system message (earlier turns of a conversation).
    assert_eq!(prompt_lengths.iter().filter(|&&n| n > 1).count(), 186);
    let multi_turn = records
        .iter()
        .filter(|record| match &record.prompt {
            Content::Messages(messages) => {
                messages.iter().filter(|m| m.role != "system").count() > 1
            }
            Content::Text(_) => false,
        })
        .count();
    assert_eq!(multi_turn, 106);
    for record in &records {
        for completion in [&record.chosen, &record.rejected] {
            match completion {
                Content::Messages(messages) => {
                    assert_eq!(messages.len(), 1);
                    assert_eq!(messages[0].role, "assistant");
                }
                Content::Text(_) => panic!("ShareGPT completions are messages"),
            }
        }
    }
}

#[test]
fn llamafactory_kto_demo() {
    let records = read_unpaired_file(demo_file("kto_en_demo.json")).unwrap();
    assert_eq!(records.len(), 300);
    let desirable = records.iter().filter(|record| record.label).count();
    assert_eq!(desirable, 150);
    assert_eq!(records.len() - desirable, 150);
    assert!(records.iter().all(|record| matches!(&record.prompt,
        Content::Messages(messages) if messages.last().is_some_and(|m| m.role == "user"))));
}
