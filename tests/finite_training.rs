//! The offline trainer on a finite data set read by position: epochs in a seeded order, gradient
//! accumulation equal to the whole batch, the learning-rate schedule and gradient norm in the
//! logs. Held-out evaluation, unpaired data and resuming are in `finite_evaluation_and_resume`,
//! which shares this file's helpers.

use prefopt::burn::tensor::Device;
use prefopt::models::{CausalLmPolicyConfig, TabularPolicyConfig};
use prefopt::train::Offline;
use prefopt::train::sink::MemorySink;
use prefopt::{
    Algorithm, MetricSink, MetricValues, PolicyConfig, PreferenceObjective, PrefoptError,
    RunContext, RunControl, RunReport, Split, StopFlag, Task, TaskBatch, TrainConfig,
};
use std::path::PathBuf;

use crate::finite_task;
use finite_task::FiniteTask;

fn objective(name: &str) -> Box<dyn PreferenceObjective> {
    serde_json::from_value(serde_json::json!({ "type": name, "beta": 0.5 })).unwrap()
}

/// Logs in memory; raises `stop` once `stop_after` steps are done.
#[derive(Default)]
pub(crate) struct Recorder {
    pub(crate) history: MemorySink,
    pub(crate) stop: Option<(StopFlag, usize)>,
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

pub(crate) fn run(
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

pub(crate) fn table(report: &RunReport) -> Vec<f32> {
    let policy = report.policy.as_ref().unwrap();
    policy
        .log_prob_table()
        .unwrap()
        .into_data()
        .try_into_vec()
        .unwrap()
}

pub(crate) fn max_difference(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

pub(crate) fn value(history: &MemorySink, step: usize, name: &str) -> Option<f64> {
    history
        .series(name)
        .into_iter()
        .find(|(s, _)| *s as usize == step)
        .map(|(_, v)| v)
}

/// 3 contexts x 4 actions: 18 pairs, 15 for training, 3 held out.
pub(crate) fn pairs() -> FiniteTask {
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
