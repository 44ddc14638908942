//! Batched cached generation equals generating each prompt alone, and equals greedy decoding
//! by full forward passes.

use prefopt_core::burn::tensor::{Device, Int, Tensor, TensorData};
use prefopt_core::{Generation, Policy, SamplingOptions};
use prefopt_models::causal_lm::{CausalLmConfig, CausalLmPolicy};
use rand::SeedableRng;
use rand::rngs::StdRng;

fn policy() -> CausalLmPolicy {
    CausalLmPolicy::random(CausalLmConfig::tiny(), 21, &Device::default()).unwrap()
}

fn generate(
    policy: &CausalLmPolicy,
    prompts: &[Vec<u32>],
    options: &SamplingOptions,
) -> Vec<Generation> {
    policy
        .generate(prompts, options, &mut StdRng::seed_from_u64(0))
        .unwrap()
}

/// Greedy decoding by a full forward pass per token (no cache, no batching).
fn greedy_without_cache(policy: &CausalLmPolicy, prompt: &[u32], steps: usize) -> Vec<u32> {
    let mut sequence: Vec<i64> = prompt.iter().map(|&id| id as i64).collect();
    let mut new = Vec::new();
    for _ in 0..steps {
        let tokens = Tensor::<2, Int>::from_data(
            TensorData::new(sequence.clone(), [1, sequence.len()]),
            &Device::default(),
        );
        let logits = policy.model().forward(tokens);
        let [_, seq, vocab] = logits.dims();
        let last = logits
            .slice([0..1, seq - 1..seq, 0..vocab])
            .reshape([vocab]);
        let next = last.argmax(0).into_scalar::<i64>();
        sequence.push(next);
        new.push(next as u32);
    }
    new
}

#[test]
fn cached_greedy_decoding_equals_full_forward_decoding() {
    let policy = policy();
    let prompt = vec![3, 14, 15, 9, 26];
    let generated = generate(
        &policy,
        std::slice::from_ref(&prompt),
        &SamplingOptions::greedy(10),
    );
    assert_eq!(
        generated[0].tokens,
        greedy_without_cache(&policy, &prompt, 10)
    );
    assert!(!generated[0].finished);
}

#[test]
fn batched_generation_with_stops_equals_one_by_one() {
    let policy = policy();
    let prompts = vec![
        vec![5, 6, 7],
        vec![40, 2, 33, 19, 8, 61, 4],
        vec![12],
        vec![9, 9, 9, 9, 9],
    ];
    let free = generate(&policy, &prompts, &SamplingOptions::greedy(12));
    // Stop on a token the first row produces mid-way, so rows finish at different steps.
    let stop = free[0].tokens[4];
    let options = SamplingOptions {
        stop_token_ids: vec![stop],
        ..SamplingOptions::greedy(12)
    };
    let batched = generate(&policy, &prompts, &options);
    for (row, prompt) in prompts.iter().enumerate() {
        let alone = generate(&policy, std::slice::from_ref(prompt), &options);
        assert_eq!(batched[row], alone[0], "row {row}");
        let generation = &batched[row];
        assert_eq!(generation.finished, generation.tokens.last() == Some(&stop));
        assert!(generation.finished || generation.tokens.len() == 12);
        assert_eq!(
            generation.tokens.iter().filter(|&&t| t == stop).count(),
            usize::from(generation.finished)
        );
    }
    assert!(batched[0].finished && batched[0].tokens.len() <= 5);
}

#[test]
fn streaming_reports_every_token_in_order() {
    let policy = policy();
    let prompts = vec![vec![1, 2, 3], vec![7]];
    let mut streamed = [Vec::new(), Vec::new()];
    let generations = policy
        .generate_streaming(
            &prompts,
            &SamplingOptions::greedy(6),
            &mut StdRng::seed_from_u64(0),
            &mut |row, token| streamed[row].push(token),
        )
        .unwrap();
    for (row, generation) in generations.iter().enumerate() {
        assert_eq!(streamed[row], generation.tokens);
    }
}

#[test]
fn bad_prompts_and_options_are_refused() {
    let policy = policy();
    let mut rng = StdRng::seed_from_u64(0);
    let error = policy
        .generate(&[vec![]], &SamplingOptions::greedy(4), &mut rng)
        .unwrap_err();
    assert!(error.to_string().contains("prompt 0: empty"), "{error}");
    let error = policy
        .generate(&[vec![1, 64]], &SamplingOptions::greedy(4), &mut rng)
        .unwrap_err();
    assert!(
        error.to_string().contains("token id 64 is outside"),
        "{error}"
    );
    let error = policy
        .generate(&[vec![1]], &SamplingOptions::greedy(500), &mut rng)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("exceeds the model's 128 positions"),
        "{error}"
    );
    let error = policy
        .generate(&[vec![1]], &SamplingOptions::greedy(0), &mut rng)
        .unwrap_err();
    assert!(error.to_string().contains("max_new_tokens"), "{error}");
}

#[test]
fn sampling_is_seeded_and_top_k_one_is_greedy() {
    let policy = policy();
    let prompts = vec![vec![5, 6, 7], vec![11, 12]];
    let sampled = SamplingOptions {
        temperature: 1.5,
        ..SamplingOptions::greedy(8)
    };
    let first = policy
        .generate(&prompts, &sampled, &mut StdRng::seed_from_u64(7))
        .unwrap();
    let again = policy
        .generate(&prompts, &sampled, &mut StdRng::seed_from_u64(7))
        .unwrap();
    assert_eq!(first, again);
    let top_1 = SamplingOptions {
        top_k: Some(1),
        ..sampled
    };
    let narrowed = policy
        .generate(&prompts, &top_1, &mut StdRng::seed_from_u64(1))
        .unwrap();
    assert_eq!(
        narrowed,
        generate(&policy, &prompts, &SamplingOptions::greedy(8))
    );
}
