//! `prefopt generate`, `logps` and `export` on SmolLM2-135M-Instruct: the answers and
//! log-probabilities Hugging Face transformers gives, the same outputs from the exported
//! directory, and input errors that name the file, line and lengths.

use prefopt::models::assets::smollm2_gguf_path;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

use crate::common;
use common::prefopt;

/// transformers' values (provenance: `tests/data/golden/README.md`).
const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/golden/smollm2_135m.json"
);

fn gguf() -> PathBuf {
    smollm2_gguf_path().unwrap_or_else(|error| panic!("{error}"))
}

/// Runs `args`, which must succeed, and returns stdout.
fn succeed(args: &[&str]) -> String {
    let output = prefopt(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Runs `args`, which must fail, and returns stderr.
fn fail(args: &[&str]) -> String {
    let output = prefopt(args);
    assert!(!output.status.success(), "{args:?} succeeded");
    String::from_utf8(output.stderr).unwrap()
}

fn golden_cases() -> Vec<Value> {
    let golden: Value = serde_json::from_str(&std::fs::read_to_string(GOLDEN).unwrap()).unwrap();
    golden["cases"].as_array().unwrap().clone()
}

fn write_lines(path: &Path, lines: &[Value]) {
    let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
    std::fs::write(path, text).unwrap();
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Checks `logps` output against transformers' sums, and returns it.
fn check_logps(lines: &[Value], cases: &[Value]) {
    assert_eq!(lines.len(), cases.len());
    for (index, (line, case)) in lines.iter().zip(cases).enumerate() {
        assert_eq!(line["index"], json!(index));
        assert_eq!(line["tokens"], case["completion_ids"]);
        assert_eq!(
            line["token_logps"].as_array().unwrap().len(),
            case["completion_ids"].as_array().unwrap().len()
        );
        let (ours, theirs) = (
            line["logp"].as_f64().unwrap(),
            case["completion_logp_sum"].as_f64().unwrap(),
        );
        assert!(
            (ours - theirs).abs() < 1e-2,
            "case {index}: {ours} vs {theirs}"
        );
    }
}

#[test]
fn chat_generation_answers_the_question() {
    let model = gguf();
    let stdout = succeed(&[
        "generate",
        "--model",
        model.to_str().unwrap(),
        "--chat",
        "--prompt",
        "What is the capital of France?",
        "--max-new-tokens",
        "24",
    ]);
    assert!(stdout.contains("Paris"), "{stdout}");
}

#[test]
fn export_then_generate_and_logps_give_the_same_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let model = gguf();
    let exported = dir.path().join("smollm2-hf");
    let stdout = succeed(&[
        "export",
        "--model",
        model.to_str().unwrap(),
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert!(stdout.contains("model.safetensors"), "{stdout}");
    let error = fail(&[
        "export",
        "--model",
        model.to_str().unwrap(),
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert!(
        error.contains("not empty") && error.contains("--overwrite"),
        "{error}"
    );

    // logps: text for the first case, ids for the others.
    let cases = golden_cases();
    let data: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(index, case)| match index {
            0 => json!({"prompt": case["prompt"], "completion": case["completion"]}),
            _ => {
                json!({"prompt_ids": case["prompt_ids"], "completion_ids": case["completion_ids"]})
            }
        })
        .collect();
    let data_path = dir.path().join("data.jsonl");
    write_lines(&data_path, &data);
    let from_gguf = succeed(&[
        "logps",
        "--model",
        model.to_str().unwrap(),
        "--data",
        data_path.to_str().unwrap(),
    ]);
    check_logps(&json_lines(&from_gguf), &cases);
    let output = dir.path().join("logps.jsonl");
    let args = [
        "logps",
        "--model",
        exported.to_str().unwrap(),
        "--data",
        data_path.to_str().unwrap(),
    ];
    succeed(
        &[
            &args[..],
            &["--batch-size", "1", "--output", output.to_str().unwrap()],
        ]
        .concat(),
    );
    assert_eq!(std::fs::read_to_string(&output).unwrap(), from_gguf);

    // generate: the greedy continuations transformers gives, from both.
    let prompts: Vec<Value> = cases
        .iter()
        .map(|case| json!({"prompt": case["prompt"]}))
        .collect();
    let prompts_path = dir.path().join("prompts.jsonl");
    write_lines(&prompts_path, &prompts);
    let generate = |model: &Path| {
        let args = [
            "generate",
            "--model",
            model.to_str().unwrap(),
            "--file",
            prompts_path.to_str().unwrap(),
        ];
        succeed(&[&args[..], &["--max-new-tokens", "12"]].concat())
    };
    let from_gguf = generate(&model);
    for (line, case) in json_lines(&from_gguf).iter().zip(&cases) {
        assert_eq!(line["prompt"], case["prompt"]);
        assert_eq!(line["tokens"], case["greedy_ids"]);
        assert_eq!(
            line["finished"],
            json!(case["greedy_ids"].as_array().unwrap().last() == Some(&json!(2)))
        );
    }
    assert_eq!(generate(&exported), from_gguf);
}

#[test]
fn bad_inputs_name_the_file_line_and_lengths() {
    let dir = tempfile::tempdir().unwrap();
    let model = gguf();
    let model = model.to_str().unwrap();

    let error = fail(&["generate", "--model", model, "--prompt", "  "]);
    assert!(error.contains("--prompt is empty"), "{error}");

    // `prefopt generate` (with `extra` arguments) on a prompts file holding `text`: must fail.
    let prompts = dir.path().join("prompts.jsonl");
    let generate_fails_on = |text: &str, extra: &[&str]| -> String {
        std::fs::write(&prompts, text).unwrap();
        let mut args = vec!["generate", "--model", model];
        args.extend_from_slice(extra);
        args.extend(["--file", prompts.to_str().unwrap()]);
        fail(&args)
    };
    let error = generate_fails_on(
        "{\"prompt\": \"Hello\"}\n{\"text\": \"no prompt here\"}\n",
        &[],
    );
    assert!(
        error.contains("prompts.jsonl:2:") && error.contains("`prompt`"),
        "{error}"
    );
    let error = generate_fails_on("{\"prompt\": \"\"}\n", &["--chat"]);
    assert!(
        error.contains("prompts.jsonl:1:") && error.contains("empty `prompt`"),
        "{error}"
    );
    let error = generate_fails_on("[1, 2]\n", &[]);
    assert!(
        error.contains("prompts.jsonl:1:") && error.contains("expected a JSON object"),
        "{error}"
    );

    let long = vec!["word"; 9000].join(" ");
    let error = fail(&["generate", "--model", model, "--prompt", &long]);
    assert!(
        error.contains("the prompt has 9000 tokens") && error.contains("context is 8192 tokens"),
        "{error}"
    );

    let data = dir.path().join("data.jsonl");
    std::fs::write(
        &data,
        "{\"prompt\": \"Hi\", \"completion\": \" there\"}\n{\"prompt\": \"Hi\"}\n",
    )
    .unwrap();
    let error = fail(&["logps", "--model", model, "--data", data.to_str().unwrap()]);
    assert!(
        error.contains("data.jsonl:2:") && error.contains("`completion`"),
        "{error}"
    );
}
