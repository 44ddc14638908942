//! What a fitted reward is measured by: TRL's `RewardTrainer` metrics of scored pairs, the
//! logging of a fitting step, and, on tasks with a known answer, agreement with the true reward.

use super::bradley_terry::{FitSettings, PairSet};
use prefopt_core::{MetricSink, MetricValues, PrefoptError, TabularTruth};

/// TRL's `RewardTrainer` metrics of scored pairs, names prefixed with `prefix`: `loss` (given),
/// `accuracy` (how often the chosen completion scores higher) and `margin` (chosen minus
/// rejected), weighted means over the pairs; `min_reward`, `mean_reward` (weighted) and
/// `max_reward` over both completions.
pub fn reward_fit_metrics(
    chosen: &[f64],
    rejected: &[f64],
    weights: &[f64],
    loss: f64,
    prefix: &str,
) -> MetricValues {
    let total: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mean = |f: &dyn Fn(usize) -> f64| -> f64 {
        (0..chosen.len()).map(|i| weights[i] * f(i)).sum::<f64>() / total
    };
    let both = chosen.iter().chain(rejected);
    [
        ("loss", loss),
        (
            "accuracy",
            mean(&|i| f64::from(u8::from(chosen[i] > rejected[i]))),
        ),
        ("margin", mean(&|i| chosen[i] - rejected[i])),
        (
            "min_reward",
            both.clone().copied().fold(f64::INFINITY, f64::min),
        ),
        ("mean_reward", mean(&|i| (chosen[i] + rejected[i]) / 2.0)),
        (
            "max_reward",
            both.copied().fold(f64::NEG_INFINITY, f64::max),
        ),
    ]
    .into_iter()
    .map(|(name, value)| (format!("{prefix}{name}"), value))
    .collect()
}

/// The end of a fitting step's bookkeeping: refuses metrics that are not finite, naming the
/// step, and logs them to `sink` every `log_every` steps and when the step evaluates.
pub fn log_fit_step(
    step: usize,
    values: &MetricValues,
    settings: &FitSettings,
    sink: &mut dyn MetricSink,
) -> Result<(), PrefoptError> {
    if let Some((name, value)) = values.iter().find(|(_, v)| !v.is_finite()) {
        return Err(PrefoptError::Numerical(format!(
            "reward-model step {step}: {name} is {value}"
        )));
    }
    if step.is_multiple_of(settings.log_every) || settings.evaluates(step) {
        sink.log(step, values)?;
    }
    Ok(())
}

/// The accuracy of the task's true reward on `pairs` (weighted): the ceiling a reward model can
/// reach on labels drawn under Bradley–Terry noise.
pub fn truth_accuracy(truth: &TabularTruth, pairs: &PairSet) -> f64 {
    let total: f64 = pairs.weights.iter().sum();
    let right: f64 = (0..pairs.len())
        .filter(|&i| {
            truth.rewards[pairs.chosen[i] as usize] > truth.rewards[pairs.rejected[i] as usize]
        })
        .map(|i| pairs.weights[i])
        .sum();
    if total > 0.0 { right / total } else { 0.0 }
}

/// How often `rewards` orders two distinct actions of a context as the true reward does: every
/// pair with different true rewards weighted by `pi_ref(y_1|x) pi_ref(y_2|x)`, each context's
/// weights normalized, contexts weighted alike.
pub fn order_agreement(truth: &TabularTruth, rewards: &[f64]) -> f64 {
    let outputs = truth.outputs;
    let mut agreement = 0.0;
    let mut contexts = 0.0;
    for context in 0..truth.contexts {
        let row = context * outputs;
        let (mut agree, mut total) = (0.0, 0.0);
        for first in 0..outputs {
            for second in first + 1..outputs {
                let truth_difference = truth.rewards[row + first] - truth.rewards[row + second];
                if truth_difference == 0.0 {
                    continue;
                }
                let weight = (truth.reference_logps[row + first]
                    + truth.reference_logps[row + second])
                    .exp();
                let learned = rewards[row + first] - rewards[row + second];
                total += weight;
                if learned * truth_difference > 0.0 {
                    agree += weight;
                }
            }
        }
        if total > 0.0 {
            agreement += agree / total;
            contexts += 1.0;
        }
    }
    if contexts > 0.0 {
        agreement / contexts
    } else {
        1.0
    }
}
