//! The metrics the on-policy loop logs besides the evaluation's: an update's, under TRL's names,
//! and the statistics of generated completions.

use crate::rollout::Rollout;
use crate::update::UpdateStats;
use prefopt_core::MetricValues;

/// The metrics of an update, under TRL's names (`PPOTrainer`'s, and GRPO's `clip_ratio/*`,
/// `kl`).
pub fn update_metrics(stats: &UpdateStats) -> MetricValues {
    let mut values: MetricValues = vec![
        ("loss".into(), stats.loss),
        ("loss/policy_avg".into(), stats.policy_loss),
        ("policy/approxkl_avg".into(), stats.approxkl),
        ("policy/clipfrac_avg".into(), stats.clipfrac),
        ("policy/entropy_avg".into(), stats.entropy),
        ("clip_ratio/low_mean".into(), stats.clip_low),
        ("clip_ratio/high_mean".into(), stats.clip_high),
        (
            "clip_ratio/region_mean".into(),
            stats.clip_low + stats.clip_high,
        ),
        ("val/ratio".into(), stats.ratio),
        ("val/ratio_var".into(), stats.ratio_var),
        ("grad_norm".into(), stats.grad_norm),
    ];
    if let Some(value_loss) = stats.value_loss {
        values.push(("loss/value_avg".into(), value_loss));
    }
    if let Some(clipfrac) = stats.value_clipfrac {
        values.push(("val/clipfrac_avg".into(), clipfrac));
    }
    if let Some(kl) = stats.kl_loss {
        values.push(("kl".into(), kl));
    }
    values
}

/// Whether a metric comes from the evaluation against the known answer.
pub(crate) fn is_evaluation(name: &str) -> bool {
    name.starts_with("kl/")
        || name.starts_with("reward/")
        || name.starts_with("objective/true")
        || name == "objective/optimal"
        || name.starts_with("log_z")
}

/// TRL's GRPO completion statistics of a rollout of generated completions:
/// `completions/mean_length` (tokens, stop token included) and `completions/clipped_ratio` (the
/// fraction that ended without a stop token, at `max_new_tokens`).
pub(crate) fn completion_metrics(rollout: &Rollout) -> MetricValues {
    let lengths: Vec<f64> = rollout
        .mask
        .chunks(rollout.width)
        .map(|mask| mask.iter().sum())
        .collect();
    let clipped: Vec<f64> = rollout
        .finished
        .iter()
        .map(|&finished| f64::from(u8::from(!finished)))
        .collect();
    vec![
        ("completions/mean_length".into(), rollout.mean(&lengths)),
        ("completions/clipped_ratio".into(), rollout.mean(&clipped)),
    ]
}
