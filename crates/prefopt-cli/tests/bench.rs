//! `prefopt bench --json`: one JSON object whose timings, throughputs and memory are finite and
//! positive (no assertion on how fast: these are numbers to compare, not to test).

use crate::common;

use common::prefopt;

fn positive(report: &serde_json::Value, field: &str) -> f64 {
    let value = report[field]
        .as_f64()
        .unwrap_or_else(|| panic!("`{field}` is not a number in {report}"));
    assert!(
        value.is_finite() && value > 0.0,
        "`{field}` = {value} is not finite and positive"
    );
    value
}

#[test]
fn bench_json_reports_finite_positive_timings() {
    let output = prefopt(&[
        "bench",
        "--model",
        "tiny",
        "--steps",
        "2",
        "--warmup",
        "1",
        "--pairs",
        "2",
        "--seq",
        "16",
        "--generate-new",
        "4",
        "--generate-prompt",
        "8",
        "--generate-repeats",
        "1",
        "--json",
    ]);
    assert!(
        output.status.success(),
        "prefopt bench failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let report: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|error| panic!("not one JSON object ({error}): {stdout}"));
    for field in [
        "median_step_s",
        "tokens_per_s",
        "generate_tokens_per_s",
        "generate_tokens_per_s_batch_1",
        "generate_tokens_per_s_batch_8",
        "peak_rss_bytes",
    ] {
        positive(&report, field);
    }
    let median = positive(&report, "median_step_s");
    // 2 pairs x 16 tokens, chosen and rejected: 64 training tokens per step.
    let tokens = positive(&report, "tokens_per_s");
    assert!((tokens * median - 64.0).abs() < 1e-6 * 64.0);
    let step = &report["step_s"];
    assert_eq!(step["count"], 2);
    assert!(step["min"].as_f64().unwrap() <= median && median <= step["max"].as_f64().unwrap());
    for phase in ["forward", "backward", "optimizer", "total"] {
        positive(&report["phases_s"][phase], "median");
    }
    assert_eq!(report["generate"].as_array().map(Vec::len), Some(2));
    assert!(report["final_loss"].as_f64().unwrap().is_finite());
    assert_eq!(report["reference"], "frozen copy");
}

#[test]
fn bench_with_the_reference_cache_and_lora_reports_the_cache() {
    let output = prefopt(&[
        "bench",
        "--model",
        "tiny",
        "--steps",
        "1",
        "--warmup",
        "0",
        "--pairs",
        "2",
        "--seq",
        "8",
        "--cache",
        "--lora",
        "4",
        "--no-generate",
        "--json",
    ]);
    assert!(
        output.status.success(),
        "prefopt bench --cache --lora failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(String::from_utf8(output.stdout).unwrap().trim()).unwrap();
    assert_eq!(report["reference"], "cache");
    positive(&report, "median_step_s");
    positive(&report, "cache_build_s");
    positive(&report, "peak_rss_bytes");
    let trained = report["trainable_parameters"].as_u64().unwrap();
    assert!(trained > 0 && trained < report["parameters"].as_u64().unwrap());
    assert!(report["generate"].as_array().unwrap().is_empty());
}

#[test]
fn bench_refuses_an_unknown_model_naming_it() {
    let output = prefopt(&["bench", "--model", "no-such-model", "--json"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-such-model"), "{stderr}");
}
