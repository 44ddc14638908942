//! SmolLM2-135M-Instruct loaded from its GGUF file against Hugging Face transformers'
//! values (tests/data/golden/smollm2_135m.json): per-token completion log-probs, the top 5
//! next tokens after each prompt, and greedy continuations. The model is loaded once.

use prefopt_core::burn::tensor::{Device, Int, Tensor, TensorData};
use prefopt_core::{Policy, SamplingOptions, SequenceBatch};
use prefopt_models::assets::smollm2_gguf_path;
use prefopt_models::causal_lm::{CausalLmPolicy, load_policy};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Deserialize)]
struct Golden {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    prompt: String,
    completion: String,
    prompt_ids: Vec<u32>,
    completion_ids: Vec<u32>,
    completion_token_logps: Vec<f64>,
    completion_logp_sum: f64,
    last_prompt_top5_ids: Vec<u32>,
    greedy_ids: Vec<u32>,
}

fn golden() -> Golden {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/golden/smollm2_135m.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn top5_after(policy: &CausalLmPolicy, prompt: &[u32]) -> Vec<u32> {
    let ids: Vec<i64> = prompt.iter().map(|&id| id as i64).collect();
    let tokens =
        Tensor::<2, Int>::from_data(TensorData::new(ids, [1, prompt.len()]), &Device::default());
    let hidden = policy.model().forward_hidden(tokens, None, None);
    let [_, seq, width] = hidden.dims();
    let logits = policy.model().logits(
        hidden
            .slice([0..1, seq - 1..seq, 0..width])
            .reshape([1, width]),
    );
    let (_, indices) = logits
        .reshape([policy.config().vocab_size])
        .topk_with_indices(5, 0);
    indices
        .into_data()
        .try_into_vec_as::<i64>()
        .unwrap()
        .into_iter()
        .map(|id| id as u32)
        .collect()
}

#[test]
fn smollm2_matches_transformers() {
    let path = smollm2_gguf_path().unwrap_or_else(|error| panic!("{error}"));
    let device = Device::default();
    let started = Instant::now();
    // The plugin's loader: weights, architecture and the tokenizer the file carries.
    let policy = load_policy(&path, &device).unwrap();
    eprintln!("loaded {} in {:.2?}", path.display(), started.elapsed());
    let config = policy.config();
    assert_eq!(
        (
            config.num_layers,
            config.hidden_size,
            config.num_heads,
            config.num_kv_heads
        ),
        (30, 576, 9, 3)
    );
    assert!(config.tie_word_embeddings);
    assert_eq!(policy.num_params(), 134_515_008);

    let golden = golden();
    let tokenizer = policy
        .tokenizer()
        .expect("a GGUF policy carries its tokenizer");
    for case in &golden.cases {
        assert_eq!(
            tokenizer.encode(&case.prompt, false).unwrap(),
            case.prompt_ids,
            "{:?}",
            case.prompt
        );
    }
    // All cases in one padded batch: per-token log-probs.
    let prompts: Vec<Vec<u32>> = golden
        .cases
        .iter()
        .map(|case| case.prompt_ids.clone())
        .collect();
    let completions: Vec<Vec<u32>> = golden
        .cases
        .iter()
        .map(|case| case.completion_ids.clone())
        .collect();
    let batch = SequenceBatch::from_ids(&prompts, &completions, 2, &device).unwrap();
    let logps = policy.token_logps(&batch);
    let width = logps.dims()[1];
    let logps = logps.into_data().try_into_vec_as::<f32>().unwrap();
    for (row, case) in golden.cases.iter().enumerate() {
        let ours = &logps[row * width..row * width + case.completion_ids.len()];
        let sum: f64 = ours.iter().map(|&v| v as f64).sum();
        assert!(
            (sum - case.completion_logp_sum).abs() < 1e-2,
            "{:?}: sum {sum} vs {}",
            case.prompt,
            case.completion_logp_sum
        );
        for (t, (&mine, &theirs)) in ours.iter().zip(&case.completion_token_logps).enumerate() {
            assert!(
                (mine as f64 - theirs).abs() < 5e-3,
                "{:?} token {t}: {mine} vs {theirs}",
                case.prompt
            );
        }
    }

    for case in &golden.cases {
        assert_eq!(
            top5_after(&policy, &case.prompt_ids),
            case.last_prompt_top5_ids,
            "{:?}",
            case.prompt
        );
    }

    // Greedy continuations, all prompts in one batch, stopping on the end-of-turn token.
    let options = SamplingOptions {
        stop_token_ids: vec![config.eos_token_id.unwrap()],
        ..SamplingOptions::greedy(12)
    };
    let generations = policy
        .generate(&prompts, &options, &mut StdRng::seed_from_u64(0))
        .unwrap();
    for (case, generation) in golden.cases.iter().zip(&generations) {
        assert_eq!(generation.tokens, case.greedy_ids, "{:?}", case.prompt);
    }
}

/// A task over text reads the policy's tokenizer from its config before the policy is built:
/// the same ids as the loaded policy's tokenizer, without loading weights.
#[test]
fn the_policy_config_reads_the_tokenizer_alone() {
    use prefopt_core::PolicyConfig;
    use prefopt_models::CausalLmPolicyConfig;
    let path = smollm2_gguf_path().unwrap_or_else(|error| panic!("{error}"));
    let config = CausalLmPolicyConfig {
        model: Some(path),
        tiny: false,
        architecture: None,
        seed: 0,
        lora: None,
        tokenizer: None,
        shared_prefix: true,
        weights: None,
    };
    let tokenizer = config
        .tokenizer()
        .unwrap()
        .expect("a GGUF model has a tokenizer");
    for case in &golden().cases {
        assert_eq!(
            tokenizer.encode(&case.prompt, false).unwrap(),
            case.prompt_ids
        );
        assert_eq!(
            tokenizer.encode(&case.completion, false).unwrap(),
            case.completion_ids
        );
    }
    assert!(tokenizer.eos_token_ids().contains(&2));
    assert!(
        CausalLmPolicyConfig::default()
            .tokenizer()
            .unwrap()
            .is_none()
    );
}
