//! Fitting a reward table to a task's preference pairs under Bradley–Terry, as TRL's
//! `RewardTrainer` fits a scalar head: `-log sigmoid(r(x, y_w) - r(x, y_l) - margin)`, plus
//! TRL's reward-centering term.

pub use super::fit_metrics::{log_fit_step, order_agreement, reward_fit_metrics, truth_accuracy};
use super::table::RewardTable;
use crate::rollout::host_values;
use prefopt_core::burn;
use prefopt_core::burn::module::{Module, Param};
use prefopt_core::burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use prefopt_core::burn::tensor::activation::log_sigmoid;
use prefopt_core::burn::tensor::{Device, Int, Tensor, TensorData};
use prefopt_core::{
    MetricSink, MetricValues, PreferenceBatch, PrefoptError, TabularTruth, Task, held_out_count,
};
use prefopt_train::offline::batch_rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// How a reward table is fitted.
#[derive(Debug, Clone, PartialEq)]
pub struct FitSettings {
    /// Adam steps.
    pub steps: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Pairs per step (a population is used whole).
    pub batch_size: usize,
    /// Subtracted from every reward difference: `-log sigmoid(r_w - r_l - margin)` (TRL takes a
    /// `margin` column per pair; here one value for all).
    pub margin: Option<f64>,
    /// TRL's `center_rewards_coefficient`: adds `c * mean((r_w + r_l)^2)`, pulling rewards
    /// towards zero mean (Eisenstein et al. 2023, arXiv:2312.09244, recommend 0.01).
    pub center_rewards_coefficient: Option<f64>,
    /// The fraction of sampled pairs held out for evaluation (a population is evaluated whole).
    pub eval_fraction: f64,
    /// Log training metrics every this many steps.
    pub log_every: usize,
    /// Evaluate on the held-out pairs every this many steps.
    pub eval_every: usize,
}

impl FitSettings {
    /// Whether step `step` (of `0..=steps`) evaluates on the held-out pairs: every `eval_every`
    /// steps, and the last.
    pub fn evaluates(&self, step: usize) -> bool {
        step.is_multiple_of(self.eval_every) || step == self.steps
    }
}

/// Mixed into the seed of the shuffle that picks the held-out pairs.
const HELD_OUT_STREAM: u64 = 0x5245_5741_5244_5f45;

/// Positions `0..count` split into training and held-out ones, `(train, held_out)`: shuffled
/// with a generator seeded by `seed`, the first [`held_out_count`]`(count, eval_fraction)` held
/// out, both lists in the shuffled order.
pub fn held_out_split(count: usize, eval_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..count).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed ^ HELD_OUT_STREAM));
    let train = order.split_off(held_out_count(count, eval_fraction));
    (train, order)
}

/// The weight of each pair of `batch`, on the host (1 for an unweighted batch).
pub fn pair_weights(batch: &PreferenceBatch) -> Vec<f64> {
    match &batch.weights {
        Some(weights) => host_values(weights.clone()),
        None => vec![1.0; batch.len()],
    }
}

/// Preference pairs as row-major table indices `x * outputs + y`, with weights.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairSet {
    /// The chosen completion's table index.
    pub chosen: Vec<i64>,
    /// The rejected completion's table index.
    pub rejected: Vec<i64>,
    /// Each pair's weight (a population's probabilities, or 1).
    pub weights: Vec<f64>,
}

impl PairSet {
    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.chosen.len()
    }

    /// Whether there is no pair.
    pub fn is_empty(&self) -> bool {
        self.chosen.is_empty()
    }

    fn subset(&self, indices: &[usize]) -> Self {
        Self {
            chosen: indices.iter().map(|&i| self.chosen[i]).collect(),
            rejected: indices.iter().map(|&i| self.rejected[i]).collect(),
            weights: indices.iter().map(|&i| self.weights[i]).collect(),
        }
    }
}

/// The pairs of a task whose outputs can be enumerated, split into training and held-out sets:
/// sampled pairs are shuffled (seeded) and `eval_fraction` of them held out (at least one when
/// the fraction is positive and there are two pairs or more); a population is both the
/// training and the evaluation set, being the distribution itself.
///
/// Returns the truth, the training pairs, the held-out pairs, and whether they are a population.
pub fn task_pairs<'t>(
    task: &'t dyn Task,
    eval_fraction: f64,
    seed: u64,
    device: &Device,
) -> Result<(&'t TabularTruth, PairSet, PairSet, bool), PrefoptError> {
    let truth = task.truth().ok_or_else(|| {
        PrefoptError::Incompatible(
            "a reward table needs a task whose outputs can be enumerated, such as `bandit`; \
             on tasks over token sequences a reward network is fitted instead \
             (`fit_reward_network`)"
                .into(),
        )
    })?;
    let count = task.num_pairs();
    let batch = task.training_batch(&mut batch_rng(seed, 0), count.unwrap_or(1), device);
    if batch.is_empty() {
        return Err(PrefoptError::Data(
            "the task has no preference pairs to fit a reward model to".into(),
        ));
    }
    let indices = |sequences: &prefopt_core::SequenceBatch| -> Vec<i64> {
        sequences
            .table_index(truth.outputs)
            .into_data()
            .convert::<i64>()
            .try_to_vec::<i64>()
            .expect("int indices")
    };
    let all = PairSet {
        chosen: indices(&batch.chosen),
        rejected: indices(&batch.rejected),
        weights: pair_weights(&batch),
    };
    let population = count.is_none();
    if population {
        return Ok((truth, all.clone(), all, true));
    }
    let (train, held_out) = held_out_split(all.len(), eval_fraction, seed);
    Ok((truth, all.subset(&train), all.subset(&held_out), false))
}

/// The Bradley–Terry loss of TRL's `RewardTrainer` on weighted pairs (weights normalized here):
/// `sum_i w_i (-log sigmoid(r_w,i - r_l,i - margin)) + c sum_i w_i (r_w,i + r_l,i)^2`.
///
/// # Shapes
/// `chosen`, `rejected`, `weights`: `[pairs]`; returns `[1]`.
pub fn bradley_terry_loss(
    chosen: Tensor<1>,
    rejected: Tensor<1>,
    weights: Tensor<1>,
    margin: f64,
    center_rewards_coefficient: Option<f64>,
) -> Tensor<1> {
    let weights = weights.clone() / weights.sum().clamp_min(f32::MIN_POSITIVE);
    let logits = chosen.clone() - rejected.clone() - margin;
    let mut loss = (-log_sigmoid(logits) * weights.clone()).sum();
    if let Some(coefficient) = center_rewards_coefficient {
        loss = loss + ((chosen + rejected).square() * weights).sum() * coefficient;
    }
    loss
}

/// The trainable table.
#[derive(Module, Debug)]
struct RewardParams {
    rewards: Param<Tensor<1>>,
}

/// Fits a reward table (starting at 0) to the task's pairs with Adam (PyTorch's defaults,
/// epsilon 1e-8), logging TRL's `RewardTrainer` metrics to `sink` (`loss`, `accuracy`, `margin`,
/// `min_reward`, `mean_reward`, `max_reward`; on the held-out pairs with the `eval_` prefix;
/// `reward/true_eval_accuracy`, the true reward's accuracy on the same held-out pairs; and
/// `reward/order_agreement`, how often the table orders two actions as the true reward does,
/// pairs weighted by the reference). Returns the table and its final metrics.
pub fn fit_reward_table(
    task: &dyn Task,
    settings: &FitSettings,
    seed: u64,
    device: &Device,
    sink: &mut dyn MetricSink,
) -> Result<(RewardTable, MetricValues), PrefoptError> {
    let (truth, train, eval, population) = task_pairs(task, settings.eval_fraction, seed, device)?;
    let device = device.clone().autodiff();
    let size = truth.contexts * truth.outputs;
    let mut params = RewardParams {
        rewards: Param::from_tensor(Tensor::zeros([size], &device)),
    };
    let mut optimizer: ModuleOptimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let margin = settings.margin.unwrap_or(0.0);
    let mut last = MetricValues::new();
    for step in 0..=settings.steps {
        let batch = if population || settings.batch_size >= train.len() {
            train.clone()
        } else {
            let mut rng = batch_rng(seed, step);
            let drawn: Vec<usize> = (0..settings.batch_size)
                .map(|_| rng.random_range(0..train.len()))
                .collect();
            train.subset(&drawn)
        };
        let (loss, mut values) = pair_metrics(&params, &batch, settings, margin, &device, "");
        if settings.evaluates(step) {
            if !eval.is_empty() {
                values.extend(pair_metrics(&params, &eval, settings, margin, &device, "eval_").1);
                values.push((
                    "reward/true_eval_accuracy".into(),
                    truth_accuracy(truth, &eval),
                ));
            }
            values.push((
                "reward/order_agreement".into(),
                order_agreement(truth, &table_values(&params)),
            ));
        }
        log_fit_step(step, &values, settings, sink)?;
        last = values;
        if step == settings.steps {
            break;
        }
        let grads = GradientsParams::from_grads(loss.backward(), &params);
        params = optimizer.step(settings.lr, params, grads);
        sink.progress(step + 1, settings.steps);
    }
    let table = RewardTable::new(truth.contexts, truth.outputs, &table_values(&params))?;
    Ok((table, last))
}

fn table_values(params: &RewardParams) -> Vec<f64> {
    host_values(params.rewards.val())
}

/// The loss on `pairs` (tracked) and TRL's metrics, names prefixed with `prefix`.
fn pair_metrics(
    params: &RewardParams,
    pairs: &PairSet,
    settings: &FitSettings,
    margin: f64,
    device: &Device,
    prefix: &str,
) -> (Tensor<1>, MetricValues) {
    let index = |values: &[i64]| {
        Tensor::<1, Int>::from_data(TensorData::new(values.to_vec(), [values.len()]), device)
    };
    let chosen = params.rewards.val().select(0, index(&pairs.chosen));
    let rejected = params.rewards.val().select(0, index(&pairs.rejected));
    let weights: Vec<f32> = pairs.weights.iter().map(|&w| w as f32).collect();
    let weights = Tensor::<1>::from_data(TensorData::new(weights, [pairs.len()]), device);
    let loss = bradley_terry_loss(
        chosen.clone(),
        rejected.clone(),
        weights,
        margin,
        settings.center_rewards_coefficient,
    );
    let values = reward_fit_metrics(
        &host_values(chosen.detach()),
        &host_values(rejected.detach()),
        &pairs.weights,
        host_values(loss.clone().detach())[0],
        prefix,
    );
    (loss, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_by_hand() {
        let device = Device::default();
        let v = |values: &[f32]| {
            Tensor::<1>::from_data(TensorData::new(values.to_vec(), [values.len()]), &device)
        };
        // Pairs (r_w, r_l) = (ln 3, 0) and (0, 0), weights 3 and 1: -log sigmoid(ln 3) = ln(4/3),
        // -log sigmoid(0) = ln 2; weighted mean (3 ln(4/3) + ln 2) / 4.
        let loss = bradley_terry_loss(
            v(&[3f32.ln(), 0.0]),
            v(&[0.0, 0.0]),
            v(&[3.0, 1.0]),
            0.0,
            None,
        );
        let expected = (3.0 * (4f64 / 3.0).ln() + 2f64.ln()) / 4.0;
        assert!((f64::from(loss.into_scalar::<f32>()) - expected).abs() < 1e-6);
        // A margin of ln 3 turns the first pair's logit to 0; centering adds c * mean((r_w + r_l)^2).
        let loss = bradley_terry_loss(v(&[3f32.ln()]), v(&[0.0]), v(&[1.0]), 3f64.ln(), Some(0.01));
        let expected = 2f64.ln() + 0.01 * 3f64.ln().powi(2);
        assert!((f64::from(loss.into_scalar::<f32>()) - expected).abs() < 1e-6);
    }

    #[test]
    fn order_agreement_by_hand() {
        // One context, three actions, uniform reference: true order 0 > 2 > 1. A table that
        // gets the pair (0, 2) wrong agrees on 2 of 3 equally weighted pairs.
        let third = (1f64 / 3.0).ln();
        let truth = TabularTruth {
            contexts: 1,
            outputs: 3,
            reference_logps: vec![third; 3],
            rewards: vec![2.0, -1.0, 0.5],
        };
        assert_eq!(order_agreement(&truth, &truth.rewards), 1.0);
        assert!((order_agreement(&truth, &[0.0, -3.0, 1.0]) - 2.0 / 3.0).abs() < 1e-12);
    }
}
