//! Rollouts: the population's weights and log-probs, sampled groups, generated completions of a
//! language model, and the errors on non-finite rewards and empty rollouts.

use prefopt_core::burn::tensor::{Device, Tensor};
use prefopt_core::{PolicyConfig, RewardModel, SamplingOptions, SequenceBatch, TaskConfig};
use prefopt_data::{BanditConfig, ReferenceKind};
use prefopt_models::{CausalLmPolicyConfig, TabularPolicyConfig};
use prefopt_ppo::rollout::{population_rollout, sampled_rollout};
use prefopt_train::offline::batch_rng;

/// Scores every completion NaN.
#[derive(Debug)]
struct NanReward;

impl RewardModel for NanReward {
    fn score(&self, batch: &SequenceBatch) -> Tensor<1> {
        Tensor::<1>::zeros([batch.len()], &batch.prompts.device()) / 0.0
    }
}

/// The fraction of a completion's tokens that are even (a programmatic reward for language
/// models).
#[derive(Debug)]
struct EvenTokens;

impl RewardModel for EvenTokens {
    fn score(&self, batch: &SequenceBatch) -> Tensor<1> {
        let even = batch
            .completions
            .clone()
            .remainder_scalar(2)
            .equal_elem(0)
            .float();
        let tokens = batch.completion_tokens().clamp_min(1.0);
        (even * batch.completion_mask.clone())
            .sum_dim(1)
            .squeeze_dim::<1>(1)
            / tokens
    }
}

fn bandit() -> BanditConfig {
    BanditConfig {
        contexts: 3,
        actions: 4,
        reference: ReferenceKind::Random,
        ..BanditConfig::default()
    }
}

#[test]
fn the_population_is_every_output_weighted_by_the_policy() {
    let device = Device::default().autodiff();
    let task = bandit().build(2).unwrap();
    let truth = task.truth().unwrap();
    let policy = TabularPolicyConfig::default()
        .build(&*task, &device)
        .unwrap();
    let reference = policy.freeze();
    let reward = task.true_reward().unwrap();
    let rollout = population_rollout(&*policy, &*reference, reward, 3, 4, 0, &device).unwrap();
    assert_eq!(rollout.len(), 12);
    assert!(rollout.population);
    assert_eq!(rollout.prompts, 3);
    assert!((rollout.weights.iter().sum::<f64>() - 1.0).abs() < 1e-6);
    for (row, weight) in rollout.weights.iter().enumerate() {
        // The policy starts at the reference: pi_old = pi_ref, and weights pi_ref / contexts.
        let expected = truth.reference_logps[row].exp() / 3.0;
        assert!(
            (weight - expected).abs() < 1e-6,
            "{row}: {weight} vs {expected}"
        );
        assert!((rollout.old_logps[row] - truth.reference_logps[row]).abs() < 1e-6);
        assert_eq!(rollout.old_logps[row], rollout.ref_logps[row]);
        assert!((rollout.scores[row] - truth.rewards[row]).abs() < 1e-5);
        assert_eq!(rollout.prompt_of[row], row / 4);
    }
}

#[test]
fn sampled_rollouts_repeat_each_prompt_for_its_group() {
    let device = Device::default().autodiff();
    let task = bandit().build(2).unwrap();
    let policy = TabularPolicyConfig::default()
        .build(&*task, &device)
        .unwrap();
    let reference = policy.freeze();
    let reward = task.true_reward().unwrap();
    let prompts: Vec<Vec<u32>> = (0..3).map(|x| vec![x]).collect();
    let sample = |step: usize| {
        sampled_rollout(
            &*policy,
            &*reference,
            reward,
            &prompts,
            4,
            12,
            &SamplingOptions::default(),
            step,
            &mut batch_rng(9, step),
            &device,
        )
        .unwrap()
    };
    let rollout = sample(0);
    assert_eq!(rollout.len(), 12);
    assert_eq!(rollout.prompts, 3);
    assert_eq!(rollout.prompt_of, vec![0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    assert!(
        rollout
            .weights
            .iter()
            .all(|w| (w - 1.0 / 12.0).abs() < 1e-15)
    );
    let contexts: Vec<i64> = rollout
        .sequences
        .prompts
        .clone()
        .into_data()
        .convert::<i64>()
        .try_to_vec()
        .unwrap();
    // Completions of one group answer one prompt.
    for group in contexts.chunks(4) {
        assert!(group.iter().all(|x| *x == group[0]), "{contexts:?}");
    }
    // The same (seed, step) draws the same rollout.
    assert_eq!(sample(0).scores, rollout.scores);
}

#[test]
fn non_finite_rewards_name_the_step_and_the_completion() {
    let device = Device::default().autodiff();
    let task = bandit().build(2).unwrap();
    let policy = TabularPolicyConfig::default()
        .build(&*task, &device)
        .unwrap();
    let reference = policy.freeze();
    let error = population_rollout(&*policy, &*reference, &NanReward, 3, 4, 17, &device)
        .unwrap_err()
        .to_string();
    for phrase in [
        "step 17",
        "reward model's score",
        "completion 0",
        "NaN",
        "[reward]",
    ] {
        assert!(error.contains(phrase), "{phrase}: {error}");
    }
}

#[test]
fn an_empty_rollout_is_refused_with_the_step() {
    let device = Device::default().autodiff();
    let task = bandit().build(2).unwrap();
    let policy = TabularPolicyConfig::default()
        .build(&*task, &device)
        .unwrap();
    let reference = policy.freeze();
    let error = sampled_rollout(
        &*policy,
        &*reference,
        task.true_reward().unwrap(),
        &[],
        2,
        8,
        &SamplingOptions::default(),
        5,
        &mut batch_rng(0, 5),
        &device,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("step 5: empty rollout"), "{error}");
}

#[test]
fn a_language_model_generates_its_rollouts_with_per_token_log_probs() {
    let device = Device::default().autodiff();
    let task = bandit().build(2).unwrap();
    let policy = CausalLmPolicyConfig::default()
        .build(&*task, &device)
        .unwrap();
    let reference = policy.freeze();
    let prompts = vec![vec![1, 2, 3], vec![4, 5]];
    let options = SamplingOptions {
        max_new_tokens: 5,
        ..SamplingOptions::default()
    };
    let rollout = sampled_rollout(
        &*policy,
        &*reference,
        &EvenTokens,
        &prompts,
        2,
        4,
        &options,
        0,
        &mut batch_rng(3, 0),
        &device,
    )
    .unwrap();
    assert_eq!(rollout.len(), 4);
    assert_eq!(rollout.width, 5);
    // The behaviour log-probs are the policy's own per-token log-probs of what it generated,
    // and the reference is the same model before training.
    let again: Vec<f32> = policy
        .token_logps(&rollout.sequences)
        .into_data()
        .try_to_vec()
        .unwrap();
    for (k, (old, mask)) in rollout.old_logps.iter().zip(&rollout.mask).enumerate() {
        assert!((old - f64::from(again[k]) * mask).abs() < 1e-5, "{k}");
        assert!((old - rollout.ref_logps[k]).abs() < 1e-5, "{k}");
        assert!(*old <= 0.0, "{k}: log-prob {old}");
    }
    assert!(rollout.scores.iter().all(|s| (0.0..=1.0).contains(s)));
}
