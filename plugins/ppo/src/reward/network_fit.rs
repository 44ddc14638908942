//! Fitting a reward network to a sequence task's preference pairs under Bradley–Terry, as TRL's
//! `RewardTrainer` fits a scalar head on a language model.

use super::bradley_terry::{
    FitSettings, bradley_terry_loss, held_out_split, log_fit_step, pair_weights, reward_fit_metrics,
};
use crate::rollout::host_values;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use prefopt_core::burn::tensor::{Device, Tensor};
use prefopt_core::{
    MetricSink, MetricValues, PreferenceBatch, PrefoptError, RewardModel, Split, Task, TaskBatch,
};
use prefopt_models::reward_model::{RewardArchitecture, RewardNetwork, RewardNetworkConfig};
use prefopt_train::offline::batch_rng;
use rand::Rng;

/// Where the pairs come from: a finite data set read by position (a preference file, the
/// `token_reward` task's pairs) with its held-out positions, or a task that samples batches.
enum Pairs {
    Positions {
        train: Vec<usize>,
        eval: Vec<(Split, usize)>,
    },
    Sampled,
}

impl Pairs {
    /// The task's training positions, and its held-out split; a task without one holds out
    /// `eval_fraction` of its training positions (seeded).
    fn of(task: &dyn Task, eval_fraction: f64, seed: u64) -> Self {
        let Some(count) = task.examples(Split::Train) else {
            return Pairs::Sampled;
        };
        let held_out = task.examples(Split::Eval).unwrap_or(0);
        if held_out > 0 {
            return Pairs::Positions {
                train: (0..count).collect(),
                eval: (0..held_out).map(|i| (Split::Eval, i)).collect(),
            };
        }
        let (train, held_out) = held_out_split(count, eval_fraction, seed);
        Pairs::Positions {
            train,
            eval: held_out.into_iter().map(|i| (Split::Train, i)).collect(),
        }
    }
}

/// The pairs of a task batch, refusing unpaired data.
fn pairs_of(batch: TaskBatch) -> Result<PreferenceBatch, PrefoptError> {
    match batch {
        TaskBatch::Pairs(pairs) => Ok(pairs),
        TaskBatch::Unpaired(_) => Err(PrefoptError::Incompatible(
            "a reward model trains on preference pairs; this task's completions are unpaired \
             (desirable / undesirable, KTO's data)"
                .into(),
        )),
    }
}

/// Fits `network` (freshly initialized, seeded by its config) to the task's pairs with Adam
/// (epsilon 1e-8, PyTorch's default), `settings.batch_size` pairs per step drawn with
/// replacement from the training pairs with a generator keyed by (seed, step). Logs TRL's
/// `RewardTrainer` metrics to `sink` (`loss`, `accuracy`, `margin`, `min_reward`,
/// `mean_reward`, `max_reward` on the step's batch; the same with the `eval_` prefix on the
/// held-out pairs, and `reward/true_eval_accuracy`, the true reward's accuracy on them, where the
/// task knows it). Returns the trained network (without autodiff), its architecture and its
/// final metrics.
pub fn fit_reward_network(
    task: &dyn Task,
    network: &RewardNetworkConfig,
    settings: &FitSettings,
    seed: u64,
    device: &Device,
    sink: &mut dyn MetricSink,
) -> Result<(RewardNetwork, RewardArchitecture, MetricValues), PrefoptError> {
    let pairs = Pairs::of(task, settings.eval_fraction, seed);
    if let Pairs::Positions { train, .. } = &pairs
        && train.is_empty()
    {
        return Err(PrefoptError::Data(
            "the task has no training pairs to fit a reward model to".into(),
        ));
    }
    let autodiff = device.clone().autodiff();
    let (mut model, architecture) = network.init(&autodiff)?;
    let mut optimizer: ModuleOptimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let margin = settings.margin.unwrap_or(0.0);
    let mut last = MetricValues::new();
    for step in 0..=settings.steps {
        let mut rng = batch_rng(seed, step);
        let batch = match &pairs {
            Pairs::Positions { train, .. } => {
                let drawn: Vec<usize> = if settings.batch_size >= train.len() {
                    train.clone()
                } else {
                    (0..settings.batch_size)
                        .map(|_| train[rng.random_range(0..train.len())])
                        .collect()
                };
                pairs_of(task.batch_at(Split::Train, &drawn, &autodiff)?)?
            }
            Pairs::Sampled => task.training_batch(&mut rng, settings.batch_size, &autodiff),
        };
        if batch.is_empty() {
            return Err(PrefoptError::Data(format!(
                "reward-model step {step}: the task gave an empty batch of pairs"
            )));
        }
        let (loss, mut values) = batch_metrics(&model, &batch, settings, margin, "");
        if settings.evaluates(step)
            && let Pairs::Positions { eval, .. } = &pairs
            && !eval.is_empty()
        {
            values.extend(evaluate_held_out(
                task,
                &model.valid(),
                eval,
                settings,
                margin,
                device,
            )?);
        }
        log_fit_step(step, &values, settings, sink)?;
        last = values;
        if step == settings.steps {
            break;
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(settings.lr, model, grads);
        sink.progress(step + 1, settings.steps);
    }
    Ok((model.valid(), architecture, last))
}

/// The loss on `batch` (tracked) and TRL's metrics of it, names prefixed with `prefix`.
fn batch_metrics(
    model: &RewardNetwork,
    batch: &PreferenceBatch,
    settings: &FitSettings,
    margin: f64,
    prefix: &str,
) -> (Tensor<1>, MetricValues) {
    let chosen = model.forward(&batch.chosen);
    let rejected = model.forward(&batch.rejected);
    let weights = batch
        .weights
        .clone()
        .unwrap_or_else(|| Tensor::ones([batch.len()], &chosen.device()));
    let loss = bradley_terry_loss(
        chosen.clone(),
        rejected.clone(),
        weights.clone(),
        margin,
        settings.center_rewards_coefficient,
    );
    let values = reward_fit_metrics(
        &host_values(chosen.detach()),
        &host_values(rejected.detach()),
        &host_values(weights),
        host_values(loss.clone().detach())[0],
        prefix,
    );
    (loss, values)
}

/// The `eval_` metrics on every held-out pair (in batches of `settings.batch_size`), and the
/// true reward's accuracy on them where the task knows it.
fn evaluate_held_out(
    task: &dyn Task,
    model: &RewardNetwork,
    eval: &[(Split, usize)],
    settings: &FitSettings,
    margin: f64,
    device: &Device,
) -> Result<MetricValues, PrefoptError> {
    let (mut chosen, mut rejected, mut weights) = (Vec::new(), Vec::new(), Vec::new());
    let (mut true_right, mut true_total) = (0.0, 0.0);
    for split in [Split::Train, Split::Eval] {
        let positions: Vec<usize> = eval
            .iter()
            .filter(|(s, _)| *s == split)
            .map(|(_, i)| *i)
            .collect();
        for chunk in positions.chunks(settings.batch_size.max(1)) {
            let batch = pairs_of(task.batch_at(split, chunk, device)?)?;
            chosen.extend(host_values(model.score(&batch.chosen)));
            rejected.extend(host_values(model.score(&batch.rejected)));
            let batch_weights = pair_weights(&batch);
            if let Some(truth) = task.true_reward() {
                let better = host_values(truth.score(&batch.chosen));
                let worse = host_values(truth.score(&batch.rejected));
                for ((b, w), weight) in better.iter().zip(&worse).zip(&batch_weights) {
                    true_right += weight * f64::from(u8::from(b > w));
                    true_total += weight;
                }
            }
            weights.extend(batch_weights);
        }
    }
    let logits: Vec<f64> = chosen
        .iter()
        .zip(&rejected)
        .map(|(c, r)| c - r - margin)
        .collect();
    let total: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let mut loss = logits
        .iter()
        .zip(&weights)
        .map(|(z, w)| w * softplus(-z))
        .sum::<f64>()
        / total;
    if let Some(coefficient) = settings.center_rewards_coefficient {
        loss += coefficient
            * chosen
                .iter()
                .zip(&rejected)
                .zip(&weights)
                .map(|((c, r), w)| w * (c + r).powi(2))
                .sum::<f64>()
            / total;
    }
    let mut values = reward_fit_metrics(&chosen, &rejected, &weights, loss, "eval_");
    if true_total > 0.0 {
        values.push(("reward/true_eval_accuracy".into(), true_right / true_total));
    }
    Ok(values)
}

/// `log(1 + e^x)` without overflow: `-log sigmoid(z) = softplus(-z)`.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softplus_is_stable() {
        assert!((softplus(0.0) - 2f64.ln()).abs() < 1e-15);
        assert_eq!(softplus(1000.0), 1000.0);
        assert!(softplus(-1000.0) >= 0.0 && softplus(-1000.0) < 1e-300);
    }

    #[test]
    fn summary_by_hand() {
        // Pairs (2, 1) and (0, 1), weights 3 and 1: accuracy 3/4, margin (3 - 1) / 4.
        let values = reward_fit_metrics(&[2.0, 0.0], &[1.0, 1.0], &[3.0, 1.0], 0.5, "eval_");
        let get = |name: &str| values.iter().find(|(n, _)| n == name).unwrap().1;
        assert_eq!(get("eval_accuracy"), 0.75);
        assert_eq!(get("eval_margin"), 0.5);
        assert_eq!(get("eval_min_reward"), 0.0);
        assert_eq!(get("eval_max_reward"), 2.0);
        assert_eq!(get("eval_mean_reward"), (3.0 * 1.5 + 0.5) / 4.0);
    }
}
