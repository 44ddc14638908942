//! The offline trainer on a finite data set read by position: epochs in a seeded order, gradient
//! accumulation equal to the whole batch, the learning-rate schedule and gradient norm in the
//! logs, held-out evaluation with TRL's `eval_` names, unpaired data for KTO, and an exact resume
//! in the middle of an epoch.

use prefopt::burn::tensor::Device;
use prefopt::models::{CausalLmPolicyConfig, TabularPolicyConfig};
use prefopt::train::Offline;
use prefopt::train::checkpoint::latest_resumable;
use prefopt::train::sink::MemorySink;
use prefopt::{
    Algorithm, MetricSink, MetricValues, PolicyConfig, PreferenceObjective, PrefoptError,
    RunContext, RunControl, RunReport, Split, StopFlag, Task, TaskBatch, TrainConfig,
};
use std::path::PathBuf;

use crate::finite_task;
use crate::support;
use finite_task::FiniteTask;
use support::fresh_out_dir;

fn objective(name: &str) -> Box<dyn PreferenceObjective> {
    serde_json::from_value(serde_json::json!({ "type": name, "beta": 0.5 })).unwrap()
}

/// Logs in memory; raises `stop` once `stop_after` steps are done.
#[derive(Default)]
struct Recorder {
    history: MemorySink,
    stop: Option<(StopFlag, usize)>,
}

impl MetricSink for Recorder {
    fn log(&mut self, step: usize, values: &MetricValues) -> Result<(), PrefoptError> {
        self.history.log(step, values)
    }

    fn progress(&mut self, done: usize, _: usize) {
        if let Some((flag, at)) = &self.stop
            && done == *at
        {
            flag.request();
        }
    }
}

fn run(
    task: &FiniteTask,
    objective_name: &str,
    train: &TrainConfig,
    sink: &mut Recorder,
    out_dir: Option<PathBuf>,
    control: RunControl,
) -> Result<RunReport, PrefoptError> {
    run_policy(
        &TabularPolicyConfig::default(),
        task,
        objective_name,
        train,
        sink,
        out_dir,
        control,
    )
}

fn run_policy(
    policy: &dyn PolicyConfig,
    task: &FiniteTask,
    objective_name: &str,
    train: &TrainConfig,
    sink: &mut Recorder,
    out_dir: Option<PathBuf>,
    control: RunControl,
) -> Result<RunReport, PrefoptError> {
    let algorithm = Offline {
        objective: objective(objective_name),
        precompute_ref_log_probs: false,
        ref_log_probs_path: None,
        sampling: None,
    };
    algorithm.run(&mut RunContext {
        task,
        policy,
        reward: None,
        train,
        device: Device::default(),
        seed: 3,
        sink,
        out_dir,
        control,
    })
}

fn table(report: &RunReport) -> Vec<f32> {
    let policy = report.policy.as_ref().unwrap();
    policy
        .log_prob_table()
        .unwrap()
        .into_data()
        .try_into_vec()
        .unwrap()
}

fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn value(history: &MemorySink, step: usize, name: &str) -> Option<f64> {
    history
        .series(name)
        .into_iter()
        .find(|(s, _)| *s as usize == step)
        .map(|(_, v)| v)
}

/// 3 contexts x 4 actions: 18 pairs, 15 for training, 3 held out.
fn pairs() -> FiniteTask {
    FiniteTask::new(3, 4, false)
}

#[test]
fn accumulating_two_micro_batches_of_4_equals_one_batch_of_8() {
    // 15 training pairs: batches of 8 give steps of 8 and 7 pairs; micro-batches of 4 with
    // two per step give steps of 4 + 4 and 4 + 3: the same examples, two epochs, 4 steps.
    let whole = TrainConfig {
        epochs: Some(2.0),
        lr: Some(0.05),
        batch_size: Some(8),
        max_grad_norm: Some(0.1),
        warmup_steps: Some(1),
        lr_scheduler_type: Some(prefopt::LrSchedulerType::Linear),
        weight_decay: Some(0.01),
        log_every: 1,
        ..TrainConfig::default()
    };
    let accumulated = TrainConfig {
        batch_size: Some(4),
        gradient_accumulation_steps: 2,
        ..whole.clone()
    };
    let task = pairs();
    let mut one = Recorder::default();
    let a = run(&task, "dpo", &whole, &mut one, None, RunControl::default()).unwrap();
    let mut two = Recorder::default();
    let b = run(
        &task,
        "dpo",
        &accumulated,
        &mut two,
        None,
        RunControl::default(),
    )
    .unwrap();
    assert_eq!((a.steps, b.steps), (4, 4));
    eprintln!("grad_norm: {:?}", one.history.series("grad_norm"));
    let difference = max_difference(&table(&a), &table(&b));
    eprintln!("max |log pi| difference, 1 x 8 vs 2 x 4 accumulated: {difference:e}");
    assert!(difference < 1e-5, "{difference}");
    let moved = max_difference(&table(&a), &[-(4f32).ln(); 12]);
    assert!(moved > 1e-2, "the policy trained: moved {moved}");
    for step in 0..4 {
        for metric in ["loss", "grad_norm", "rewards/margins"] {
            let (x, y) = (
                value(&one.history, step, metric).unwrap(),
                value(&two.history, step, metric).unwrap(),
            );
            assert!((x - y).abs() < 1e-5, "step {step} {metric}: {x} vs {y}");
        }
    }
    // Clipping was on: every step's norm exceeded 0.1.
    for (step, norm) in one.history.series("grad_norm") {
        assert!(norm > 0.1, "step {step}: {norm}");
    }
}

/// The same on the tiny random language model, with TRL's defaults (clipping at 1.0, linear
/// decay): the trained models give the same log-probs on every training pair.
#[test]
fn accumulation_on_a_language_model_equals_the_whole_batch() {
    let whole = TrainConfig {
        epochs: Some(2.0),
        lr: Some(1e-3),
        batch_size: Some(8),
        ..TrainConfig::default()
    };
    let accumulated = TrainConfig {
        batch_size: Some(4),
        gradient_accumulation_steps: 2,
        ..whole.clone()
    };
    let task = pairs();
    let policy = CausalLmPolicyConfig::default();
    let logps = |train: &TrainConfig| {
        let mut recorder = Recorder::default();
        let report = run_policy(
            &policy,
            &task,
            "dpo",
            train,
            &mut recorder,
            None,
            RunControl::default(),
        )
        .unwrap();
        let all: Vec<usize> = (0..15).collect();
        let TaskBatch::Pairs(batch) = task
            .batch_at(Split::Train, &all, &Device::default().autodiff())
            .unwrap()
        else {
            unreachable!("pairs")
        };
        let values: Vec<f32> = report
            .policy
            .unwrap()
            .sequence_logps(&batch.chosen)
            .into_data()
            .try_into_vec()
            .unwrap();
        (values, recorder.history.series("grad_norm"))
    };
    let (a, norms) = logps(&whole);
    let (b, accumulated_norms) = logps(&accumulated);
    // The gradients agree to f32 rounding: every step's global norm.
    assert_eq!(norms.len(), accumulated_norms.len());
    for ((step, x), (_, y)) in norms.iter().zip(&accumulated_norms) {
        assert!(x.is_finite() && *x > 0.0, "step {step}: {x}");
        assert!(
            (x - y).abs() <= 1e-5 * x.abs(),
            "step {step}: grad_norm {x} vs {y}"
        );
    }
    // Adam divides each gradient by its own running magnitude, so the rounding of summing
    // micro-batches reaches parameters whose gradients are ~0 at up to lr per step: the
    // models agree within a small fraction of lr x steps (1e-3 x 4).
    let difference = max_difference(&a, &b);
    eprintln!("tiny LM: max |log pi| difference, 1 x 8 vs 2 x 4 accumulated: {difference:e}");
    assert!(difference < 1e-4, "{difference}");
}

#[test]
fn epochs_visit_every_example_once_in_a_seeded_order() {
    let train = TrainConfig {
        epochs: Some(1.5),
        batch_size: Some(4),
        log_every: 1,
        ..TrainConfig::default()
    };
    let task = pairs();
    let report = run(
        &task,
        "dpo",
        &train,
        &mut Recorder::default(),
        None,
        RunControl::default(),
    )
    .unwrap();
    // 15 examples in micro-batches of 4: 4 steps per epoch; 1.5 epochs: 6 steps.
    assert_eq!(report.steps, 6);
    let requests = task.train_requests();
    // 6 steps, then one batch for the final metrics.
    assert_eq!(requests.len(), 7);
    let epoch = |range: std::ops::Range<usize>| -> Vec<usize> {
        requests[range].iter().flatten().copied().collect()
    };
    let first = epoch(0..4);
    let mut sorted = first.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (0..15).collect::<Vec<_>>(),
        "epoch 0 is a permutation"
    );
    assert_ne!(first, (0..15).collect::<Vec<_>>(), "shuffled");
    let second = epoch(4..7);
    assert_ne!(second, first[..second.len()], "epoch 1 has its own order");
    // The same seed reads the same positions.
    let again = pairs();
    run(
        &again,
        "dpo",
        &train,
        &mut Recorder::default(),
        None,
        RunControl::default(),
    )
    .unwrap();
    assert_eq!(again.train_requests(), requests);
    // The logged epoch is the fraction of epochs done before the step.
    let mut recorder = Recorder::default();
    run(
        &pairs(),
        "dpo",
        &train,
        &mut recorder,
        None,
        RunControl::default(),
    )
    .unwrap();
    assert_eq!(value(&recorder.history, 5, "epoch"), Some(1.25));
}

#[test]
fn the_learning_rate_follows_the_schedule_and_the_gradient_norm_is_logged() {
    let train = TrainConfig {
        steps: Some(6),
        lr: Some(0.1),
        batch_size: Some(5),
        warmup_steps: Some(2),
        lr_scheduler_type: Some(prefopt::LrSchedulerType::Linear),
        log_every: 1,
        ..TrainConfig::default()
    };
    let mut recorder = Recorder::default();
    run(
        &pairs(),
        "dpo",
        &train,
        &mut recorder,
        None,
        RunControl::default(),
    )
    .unwrap();
    // transformers' linear schedule with 2 warmup steps of 6: 0, 1/2, then (6 - t) / 4.
    let expected = [0.0, 0.05, 0.1, 0.075, 0.05, 0.025];
    for (step, lr) in expected.into_iter().enumerate() {
        let logged = value(&recorder.history, step, "learning_rate").unwrap();
        assert!((logged - lr).abs() < 1e-12, "step {step}: {logged} vs {lr}");
        let norm = value(&recorder.history, step, "grad_norm").unwrap();
        assert!(
            norm.is_finite() && norm > 0.0,
            "step {step}: grad_norm {norm}"
        );
    }
    // At step 0 the learning rate is 0: nothing moved, so step 1 sees the same gradient.
    let (g0, g1) = (
        value(&recorder.history, 0, "grad_norm").unwrap(),
        value(&recorder.history, 1, "grad_norm").unwrap(),
    );
    assert!(g0 > 0.0 && g1 > 0.0);
}

#[test]
fn held_out_pairs_are_evaluated_under_trls_eval_names() {
    let train = TrainConfig {
        steps: Some(40),
        lr: Some(0.1),
        batch_size: Some(5),
        eval_every: 10,
        log_every: 5,
        ..TrainConfig::default()
    };
    let mut recorder = Recorder::default();
    let report = run(
        &pairs(),
        "dpo",
        &train,
        &mut recorder,
        None,
        RunControl::default(),
    )
    .unwrap();
    for name in [
        "eval_loss",
        "eval_rewards/accuracies",
        "eval_rewards/margins",
        "loss",
    ] {
        eprintln!("{name}: {:?}", recorder.history.series(name));
    }
    let accuracies = recorder.history.series("eval_rewards/accuracies");
    let steps: Vec<usize> = accuracies.iter().map(|(s, _)| *s as usize).collect();
    assert_eq!(
        steps,
        vec![0, 10, 20, 30, 40],
        "every eval_every steps and at the end"
    );
    assert_eq!(recorder.history.series("eval_loss").len(), 5);
    // At the start the policy is the reference: every implicit reward is 0, the loss ln 2.
    let start_loss = value(&recorder.history, 0, "eval_loss").unwrap();
    assert!(
        (start_loss - std::f64::consts::LN_2).abs() < 1e-6,
        "{start_loss}"
    );
    assert_eq!(
        value(&recorder.history, 0, "eval_rewards/accuracies"),
        Some(0.0)
    );
    let end = |name: &str| {
        report
            .metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .unwrap()
    };
    assert_eq!(
        end("eval_rewards/accuracies"),
        1.0,
        "held-out pairs ranked right"
    );
    assert!(
        end("eval_rewards/margins") > 0.5,
        "{}",
        end("eval_rewards/margins")
    );
    assert!(end("eval_loss") < 0.5 * std::f64::consts::LN_2);
}

#[test]
fn kto_trains_on_unpaired_completions_and_a_paired_objective_refuses_them() {
    let task = FiniteTask::new(3, 4, true);
    let train = TrainConfig {
        steps: Some(30),
        lr: Some(0.1),
        batch_size: Some(4),
        eval_every: 10,
        ..TrainConfig::default()
    };
    let mut recorder = Recorder::default();
    let report = run(
        &task,
        "kto",
        &train,
        &mut recorder,
        None,
        RunControl::default(),
    )
    .unwrap();
    let losses = recorder.history.series("loss");
    assert!(losses.last().unwrap().1 < losses[0].1, "{losses:?}");
    assert!(
        report.metrics.iter().any(|(name, _)| name == "eval_loss"),
        "{:?}",
        report.metrics
    );
    let error = run(
        &task,
        "dpo",
        &train,
        &mut Recorder::default(),
        None,
        RunControl::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("`dpo`") && error.contains("unpaired") && error.contains("kto"),
        "{error}"
    );
}

#[test]
fn a_run_stopped_mid_epoch_resumes_at_the_same_position() {
    let train = TrainConfig {
        epochs: Some(3.0),
        lr: Some(0.05),
        batch_size: Some(2),
        gradient_accumulation_steps: 2,
        max_grad_norm: Some(0.5),
        lr_scheduler_type: Some(prefopt::LrSchedulerType::Cosine),
        warmup_ratio: Some(0.1),
        checkpoint_every: Some(4),
        keep_checkpoints: Some(2),
        log_every: 1,
        ..TrainConfig::default()
    };
    let mut whole = Recorder::default();
    let reference = run(
        &pairs(),
        "dpo",
        &train,
        &mut whole,
        None,
        RunControl::default(),
    )
    .unwrap();
    // 15 examples: 8 micro-batches, 4 steps per epoch, 12 steps. Stop after 6: mid-epoch 1.
    assert_eq!(reference.steps, 12);
    let dir = fresh_out_dir("prefopt-finite", "resume");
    let stop = StopFlag::new();
    let mut first = Recorder {
        stop: Some((stop.clone(), 6)),
        ..Recorder::default()
    };
    let control = RunControl {
        stop: stop.clone(),
        resume_from: None,
    };
    let stopped = run(
        &pairs(),
        "dpo",
        &train,
        &mut first,
        Some(dir.clone()),
        control,
    )
    .unwrap();
    assert_eq!(stopped.steps, 6);
    // Checkpoints at 4 and at the stop (6); with keep_checkpoints = 2 both remain.
    let (step, checkpoint) = latest_resumable(&dir).unwrap();
    assert_eq!(step, 6);
    let control = RunControl {
        stop: StopFlag::new(),
        resume_from: Some(checkpoint),
    };
    let mut second = Recorder::default();
    let resumed = run(
        &pairs(),
        "dpo",
        &train,
        &mut second,
        Some(dir.clone()),
        control,
    )
    .unwrap();
    assert_eq!(resumed.steps, 12);
    let difference = max_difference(&table(&reference), &table(&resumed));
    assert!(difference < 1e-6, "resumed vs uninterrupted: {difference}");
    for step in 6..12 {
        for metric in ["loss", "grad_norm", "learning_rate"] {
            let (x, y) = (
                value(&whole.history, step, metric).unwrap(),
                value(&second.history, step, metric).unwrap(),
            );
            assert!((x - y).abs() < 1e-6, "step {step} {metric}: {x} vs {y}");
        }
    }
    // Checkpoints at 8 and 12 were written after the resume; only the newest two remain.
    let left: Vec<usize> = prefopt::train::checkpoint::checkpoints(&dir)
        .into_iter()
        .map(|(step, _)| step)
        .collect();
    assert_eq!(left, vec![8, 12]);
    std::fs::remove_dir_all(&dir).unwrap();
}
