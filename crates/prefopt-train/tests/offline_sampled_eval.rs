//! An offline DPO run on a prompt task with a true reward (`token_reward`) and a tiny causal LM
//! logs the sampled evaluation as on-policy runs do: `reward/true`, `kl/reference` and
//! `kl/optimal` with their standard errors, at every evaluation and in the final metrics.

use prefopt_core::burn::tensor::Device;
use prefopt_core::{
    Algorithm, PreferenceObjective, RunContext, RunControl, SamplingOptions, TrainConfig,
};
use prefopt_data::{TokenRewardConfig, TokenRewardTask};
use prefopt_models::CausalLmPolicyConfig;
use prefopt_train::{MemorySink, Offline};
use serde_json::json;

// Links the `dpo` objective plugin.
use prefopt_dpo as _;

const BETA: f64 = 0.1;

fn offline(sampling: Option<SamplingOptions>) -> Offline {
    let objective: Box<dyn PreferenceObjective> =
        serde_json::from_value(json!({ "type": "dpo", "beta": BETA })).unwrap();
    Offline {
        objective,
        precompute_ref_log_probs: false,
        ref_log_probs_path: None,
        sampling,
    }
}

#[test]
fn an_offline_run_on_a_prompt_task_logs_the_sampled_evaluation() {
    let task = TokenRewardTask::new(&TokenRewardConfig::default(), 1).unwrap();
    let policy = CausalLmPolicyConfig::default();
    let train = TrainConfig {
        steps: Some(3),
        lr: Some(1e-2),
        batch_size: Some(8),
        eval_every: 2,
        log_every: 1,
        eval_completions: 32,
        eval_reference_samples: 16,
        ..TrainConfig::default()
    };
    let algorithm = offline(Some(SamplingOptions {
        max_new_tokens: 8,
        stop_token_ids: vec![2],
        ..SamplingOptions::default()
    }));
    let mut sink = MemorySink::default();
    let report = algorithm
        .run(&mut RunContext {
            task: &task,
            policy: &policy,
            reward: None,
            train: &train,
            device: Device::default(),
            seed: 1,
            sink: &mut sink,
            out_dir: None,
            control: RunControl::default(),
        })
        .unwrap();
    let names = [
        "reward/true",
        "reward/true_se",
        "kl/reference",
        "kl/reference_se",
        "kl/optimal",
        "kl/optimal_se",
        "log_z",
        "log_z_se",
    ];
    for name in names {
        let series = sink.series(name);
        let steps: Vec<f64> = series.iter().map(|(step, _)| *step).collect();
        // Evaluated at steps 0 and 2 (eval_every), and at the end (3).
        assert_eq!(steps, [0.0, 2.0, 3.0], "{name}: {series:?}");
        assert!(series.iter().all(|(_, v)| v.is_finite()), "{name}");
        let last = report.metrics.iter().find(|(n, _)| n == name);
        assert!(last.is_some(), "{name} missing from the final metrics");
    }
    let at = |name: &str, step: usize| sink.series(name)[step].1;
    // At step 0 the policy is the reference: every log-ratio is 0.
    assert!(
        at("kl/reference", 0).abs() < 1e-4,
        "{}",
        at("kl/reference", 0)
    );
    // KL(pi_ref || pi*) = log Z - E_ref[r]/beta >= 0: within its error bars of a non-negative
    // value, and the reward in [0, 1].
    assert!(at("kl/optimal", 0) + 3.0 * at("kl/optimal_se", 0) > 0.0);
    assert!((0.0..=1.0).contains(&at("reward/true", 0)));
    // The same draws at every evaluation: a trained policy's KL differs from 0.
    assert!(
        at("kl/reference", 2).abs() > 1e-4,
        "{}",
        at("kl/reference", 2)
    );
}

#[test]
fn biased_sampling_for_the_evaluation_is_refused_by_name() {
    let algorithm = offline(Some(SamplingOptions {
        temperature: 0.7,
        ..SamplingOptions::default()
    }));
    let error = algorithm.validate().unwrap_err();
    assert_eq!(error.field, "sampling");
    assert!(error.message.contains("temperature 1"), "{}", error.message);
    let zero = offline(Some(SamplingOptions {
        max_new_tokens: 0,
        ..SamplingOptions::default()
    }));
    assert_eq!(
        zero.validate().unwrap_err().field,
        "sampling.max_new_tokens"
    );
}

#[test]
fn a_sampled_evaluation_needs_two_draws_for_an_error_bar() {
    let one = TrainConfig {
        eval_reference_samples: 1,
        ..TrainConfig::default()
    };
    let error = one.validate().unwrap_err();
    assert_eq!(error.field, "eval_reference_samples");
    assert!(error.message.contains("at least 2"), "{}", error.message);
}
