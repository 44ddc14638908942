//! Per-sequence log-probs of preference pairs, and what an objective returns.

use burn::tensor::{Device, Tensor, TensorData};

/// Per-sequence log-probs of a batch of preference pairs: what every pairwise preference
/// objective is a function of.
///
/// `policy_*` are tracked by autodiff when the policy lives on an autodiff device; `reference_*`
/// are constants. All tensors have shape `[batch]`.
#[derive(Debug, Clone)]
pub struct PairLogps {
    /// `log pi_theta(y_w | x)`, summed over completion tokens.
    pub policy_chosen: Tensor<1>,
    /// `log pi_theta(y_l | x)`, summed over completion tokens.
    pub policy_rejected: Tensor<1>,
    /// `log pi_ref(y_w | x)`.
    pub reference_chosen: Tensor<1>,
    /// `log pi_ref(y_l | x)`.
    pub reference_rejected: Tensor<1>,
    /// Completion token count of each chosen sequence.
    pub chosen_tokens: Tensor<1>,
    /// Completion token count of each rejected sequence.
    pub rejected_tokens: Tensor<1>,
    /// Optional non-negative weight per pair; batch means become weighted means.
    pub weights: Option<Tensor<1>>,
}

impl PairLogps {
    /// Builds pair log-probs from plain values (test vectors, tools), without weights.
    pub fn from_values(
        policy_chosen: &[f32],
        policy_rejected: &[f32],
        reference_chosen: &[f32],
        reference_rejected: &[f32],
        chosen_tokens: &[f32],
        rejected_tokens: &[f32],
        device: &Device,
    ) -> Self {
        let tensor = |values: &[f32]| {
            Tensor::<1>::from_data(TensorData::new(values.to_vec(), [values.len()]), device)
        };
        Self {
            policy_chosen: tensor(policy_chosen),
            policy_rejected: tensor(policy_rejected),
            reference_chosen: tensor(reference_chosen),
            reference_rejected: tensor(reference_rejected),
            chosen_tokens: tensor(chosen_tokens),
            rejected_tokens: tensor(rejected_tokens),
            weights: None,
        }
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.policy_chosen.dims()[0]
    }

    /// Whether there is no pair.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `log pi_theta(y_w|x) - log pi_ref(y_w|x)`, shape `[batch]`.
    pub fn chosen_log_ratio(&self) -> Tensor<1> {
        self.policy_chosen.clone() - self.reference_chosen.clone()
    }

    /// `log pi_theta(y_l|x) - log pi_ref(y_l|x)`, shape `[batch]`.
    pub fn rejected_log_ratio(&self) -> Tensor<1> {
        self.policy_rejected.clone() - self.reference_rejected.clone()
    }

    /// The DPO margin before beta: `(log pi(y_w) - log pi_ref(y_w)) - (log pi(y_l) - log
    /// pi_ref(y_l))` (Rafailov et al. 2023, eq. 7), shape `[batch]`.
    pub fn log_ratio_margin(&self) -> Tensor<1> {
        self.chosen_log_ratio() - self.rejected_log_ratio()
    }

    /// The batch mean of a per-pair value, weighted by [`weights`](Self::weights) when present.
    ///
    /// # Shapes
    /// `per_pair: [batch]` to `[1]`.
    pub fn mean(&self, per_pair: Tensor<1>) -> Tensor<1> {
        match &self.weights {
            Some(weights) => {
                (per_pair * weights.clone()).sum()
                    / weights.clone().sum().clamp_min(f32::MIN_POSITIVE)
            }
            None => per_pair.mean(),
        }
    }

    /// TRL's logged metrics (`DPOTrainer`): `rewards/chosen` and `rewards/rejected` (batch means
    /// of `beta * log-ratio`), `rewards/accuracies` (share of pairs whose chosen reward exceeds the
    /// rejected one), `rewards/margins`, `logps/chosen`, `logps/rejected`. All detached.
    pub fn trl_metrics(&self, beta: f64) -> Metrics {
        self.reward_metrics(
            self.chosen_log_ratio() * beta,
            self.rejected_log_ratio() * beta,
        )
    }

    /// TRL's six metrics from given implicit rewards of the chosen and rejected completions
    /// (`[batch]` each; reference-free objectives reward `beta * log pi(y|x)`, possibly
    /// length-averaged): their batch means, the share of pairs ranked right, the mean margin, and
    /// the policy's mean log-probs. All detached.
    pub fn reward_metrics(
        &self,
        chosen_rewards: Tensor<1>,
        rejected_rewards: Tensor<1>,
    ) -> Metrics {
        let chosen_rewards = chosen_rewards.detach();
        let rejected_rewards = rejected_rewards.detach();
        let accuracies = chosen_rewards
            .clone()
            .greater(rejected_rewards.clone())
            .float();
        let mut metrics = Metrics::default();
        metrics.push("rewards/chosen", self.mean(chosen_rewards.clone()));
        metrics.push("rewards/rejected", self.mean(rejected_rewards.clone()));
        metrics.push("rewards/accuracies", self.mean(accuracies));
        metrics.push(
            "rewards/margins",
            self.mean(chosen_rewards - rejected_rewards),
        );
        metrics.push(
            "logps/chosen",
            self.mean(self.policy_chosen.clone().detach()),
        );
        metrics.push(
            "logps/rejected",
            self.mean(self.policy_rejected.clone().detach()),
        );
        metrics
    }
}

/// Named scalar metrics, kept as device tensors until they are logged (reading them back costs a
/// device sync, which only logging steps pay).
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    entries: Vec<(String, Tensor<1>)>,
}

impl Metrics {
    /// Adds (or replaces) a metric; `value` is a one-element tensor, detached.
    pub fn push(&mut self, name: impl Into<String>, value: Tensor<1>) {
        let name = name.into();
        let value = value.detach();
        match self
            .entries
            .iter_mut()
            .find(|(existing, _)| *existing == name)
        {
            Some(entry) => entry.1 = value,
            None => self.entries.push((name, value)),
        }
    }

    /// The metric named `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Tensor<1>> {
        self.entries
            .iter()
            .find(|(existing, _)| existing == name)
            .map(|(_, value)| value)
    }

    /// Metric names and tensors, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Tensor<1>)> {
        self.entries
            .iter()
            .map(|(name, value)| (name.as_str(), value))
    }

    /// Reads every metric back as `f64` (one device sync per metric).
    pub fn values(&self) -> Vec<(String, f64)> {
        self.entries
            .iter()
            .map(|(name, value)| (name.clone(), scalar(value)))
            .collect()
    }
}

/// Reads a one-element tensor back as `f64`.
pub(crate) fn scalar(value: &Tensor<1>) -> f64 {
    value.clone().into_scalar::<f32>() as f64
}

/// What an objective returns: the scalar loss to minimize (tracked by autodiff) and its metrics.
#[derive(Debug, Clone)]
pub struct ObjectiveOutput {
    /// The loss, shape `[1]`.
    pub loss: Tensor<1>,
    /// Named metrics (TRL's names where TRL logs the same quantity); `loss` is added by the
    /// trainer.
    pub metrics: Metrics,
}
