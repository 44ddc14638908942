//! The offline trainer on a finite data set, continued: held-out evaluation with TRL's `eval_`
//! names, unpaired data for KTO, and an exact resume in the middle of an epoch.

use prefopt::train::checkpoint::latest_resumable;
use prefopt::{RunControl, StopFlag, TrainConfig};

use crate::finite_task;
use crate::finite_training::{Recorder, max_difference, pairs, run, table, value};
use crate::support;
use finite_task::FiniteTask;
use support::fresh_out_dir;

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
