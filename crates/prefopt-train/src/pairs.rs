//! From a preference batch to the per-sequence log-probs objectives score.

use prefopt_core::burn::tensor::{Int, Tensor};
use prefopt_core::{
    DataKind, ObjectiveOutput, PairLogps, Policy, PreferenceBatch, PreferenceObjective,
    PrefoptError, ReferenceModel, SequenceBatch, TaskBatch, UnpairedBatch, UnpairedLogps,
};

/// The model whose log-probs an objective scores: the policy being trained (tracked by
/// autodiff), or a snapshot of it without autodiff, for metrics that are only read
/// ([`Policy::snapshot`]).
#[derive(Clone, Copy)]
pub enum Scored<'a> {
    /// The policy itself.
    Policy(&'a dyn Policy),
    /// The policy's current parameters without autodiff.
    Snapshot(&'a dyn ReferenceModel),
}

impl Scored<'_> {
    /// `log pi(y | x)` per sequence.
    ///
    /// # Shapes
    /// `[batch]`.
    pub fn sequence_logps(&self, batch: &SequenceBatch) -> Tensor<1> {
        match self {
            Scored::Policy(policy) => policy.sequence_logps(batch),
            Scored::Snapshot(snapshot) => snapshot.sequence_logps(batch),
        }
    }

    /// `(log pi(y_w | x), log pi(y_l | x))` per pair ([`Policy::pair_sequence_logps`]: a
    /// language model runs each prompt once for both completions).
    ///
    /// # Shapes
    /// `[pairs]` twice: chosen, then rejected.
    pub fn pair_sequence_logps(&self, batch: &PreferenceBatch) -> (Tensor<1>, Tensor<1>) {
        match self {
            Scored::Policy(policy) => policy.pair_sequence_logps(batch),
            Scored::Snapshot(snapshot) => snapshot.pair_sequence_logps(batch),
        }
    }
}

impl<'a> From<&'a dyn Policy> for Scored<'a> {
    fn from(policy: &'a dyn Policy) -> Self {
        Scored::Policy(policy)
    }
}

/// Scores both sides of every pair with the policy and the reference
/// ([`Policy::pair_sequence_logps`]: `[chosen; rejected]` in one forward pass, or, for a language
/// model, each prompt once with both completions attending to it) into [`PairLogps`].
pub fn pair_logps<'a>(
    policy: impl Into<Scored<'a>>,
    reference: &dyn ReferenceModel,
    batch: &PreferenceBatch,
) -> PairLogps {
    let policy = policy.into();
    let (policy_chosen, policy_rejected) = policy.pair_sequence_logps(batch);
    let (reference_chosen, reference_rejected) = reference.pair_sequence_logps(batch);
    PairLogps {
        policy_chosen,
        policy_rejected,
        reference_chosen,
        reference_rejected,
        chosen_tokens: batch.chosen.completion_tokens(),
        rejected_tokens: batch.rejected.completion_tokens(),
        weights: batch.weights.clone(),
    }
}

/// Unpairs a preference batch for unpaired objectives (KTO): chosen completions are desirable,
/// rejected ones undesirable, and the KL baseline uses mismatched pairs, prompt `i` with the
/// completion of sequence `i + 1` (Ethayarajh et al. 2024, arXiv:2402.01306, §4.1; TRL's
/// `KTOTrainer`). One policy forward pass covers the completions and the mismatched pairs.
pub fn unpaired_logps<'a>(
    policy: impl Into<Scored<'a>>,
    reference: &dyn ReferenceModel,
    batch: &PreferenceBatch,
) -> UnpairedLogps {
    unpaired_batch_logps(policy, reference, &UnpairedBatch::from_pairs(batch))
}

/// Log-probs of unpaired completions (KTO's data, Ethayarajh et al. 2024, arXiv:2402.01306),
/// with the KL baseline from mismatched pairs as [`unpaired_logps`] builds it: prompt `i` with
/// the completion of sequence `i + 1`. The two share their prompts, so they are scored as pairs
/// ([`Policy::pair_sequence_logps`]: one forward pass, or each prompt once).
pub fn unpaired_batch_logps<'a>(
    policy: impl Into<Scored<'a>>,
    reference: &dyn ReferenceModel,
    batch: &UnpairedBatch,
) -> UnpairedLogps {
    let policy = policy.into();
    let completions = batch.sequences.clone();
    let mismatched = SequenceBatch {
        prompts: completions.prompts.clone(),
        prompt_mask: completions.prompt_mask.clone(),
        completions: roll_int(completions.completions.clone()),
        completion_mask: roll(completions.completion_mask.clone()),
    };
    let tokens = completions.completion_tokens();
    let both = PreferenceBatch {
        chosen: completions,
        rejected: mismatched,
        weights: None,
    };
    let (policy_logps, kl_policy) = policy.pair_sequence_logps(&both);
    let (reference_logps, kl_reference) = reference.pair_sequence_logps(&both);
    UnpairedLogps {
        policy: policy_logps,
        reference: reference_logps,
        desirable: batch.desirable.clone(),
        tokens,
        kl_policy,
        kl_reference,
        weights: batch.weights.clone(),
    }
}

/// The objective's output on a batch of a finite data set: pairs go through
/// [`objective_output`]; unpaired completions need an objective of [`DataKind::Unpaired`].
///
/// # Errors
/// [`PrefoptError::Incompatible`] naming the objective when a paired objective meets unpaired
/// data.
pub fn task_batch_output<'a>(
    objective: &dyn PreferenceObjective,
    policy: impl Into<Scored<'a>>,
    reference: &dyn ReferenceModel,
    batch: &TaskBatch,
) -> Result<ObjectiveOutput, PrefoptError> {
    match batch {
        TaskBatch::Pairs(pairs) => objective_output(objective, policy, reference, pairs),
        TaskBatch::Unpaired(unpaired) => match objective.data() {
            DataKind::Unpaired => objective
                .unpaired_loss(&unpaired_batch_logps(policy, reference, unpaired))
                .ok_or_else(|| no_unpaired_loss(objective)),
            DataKind::Paired => Err(PrefoptError::Incompatible(format!(
                "objective `{}` trains on pairs (a chosen and a rejected completion per \
                 prompt), but the task's examples are unpaired completions labelled desirable \
                 or undesirable; use an unpaired objective such as `kto`",
                objective_name(objective)
            ))),
        },
    }
}

/// The registered name of an objective (its `type`), or its debug form.
pub fn objective_name(objective: &dyn PreferenceObjective) -> String {
    serde_json::to_value(objective)
        .ok()
        .and_then(|value| value.get("type")?.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{objective:?}"))
}

fn no_unpaired_loss(objective: &dyn PreferenceObjective) -> PrefoptError {
    PrefoptError::Incompatible(format!(
        "objective `{}` declares unpaired data but has no unpaired loss",
        objective_name(objective)
    ))
}

/// The objective's output on a batch, through the data kind it declares.
pub fn objective_output<'a>(
    objective: &dyn PreferenceObjective,
    policy: impl Into<Scored<'a>>,
    reference: &dyn ReferenceModel,
    batch: &PreferenceBatch,
) -> Result<ObjectiveOutput, PrefoptError> {
    match objective.data() {
        DataKind::Paired => Ok(objective.loss(&pair_logps(policy, reference, batch))),
        DataKind::Unpaired => objective
            .unpaired_loss(&unpaired_logps(policy, reference, batch))
            .ok_or_else(|| no_unpaired_loss(objective)),
    }
}

/// The reference of reference-free objectives: log-probs all zero, no model held.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoReference;

impl ReferenceModel for NoReference {
    fn token_logps(&self, batch: &SequenceBatch) -> Tensor<2> {
        Tensor::zeros(batch.completion_mask.dims(), &batch.prompts.device())
    }

    fn sequence_logps(&self, batch: &SequenceBatch) -> Tensor<1> {
        Tensor::zeros([batch.len()], &batch.prompts.device())
    }
}

/// Rows shifted up by one, the first row moved to the end.
fn roll(tensor: Tensor<2>) -> Tensor<2> {
    let rows = tensor.dims()[0];
    if rows < 2 {
        return tensor;
    }
    Tensor::cat(
        vec![
            tensor.clone().narrow(0, 1, rows - 1),
            tensor.narrow(0, 0, 1),
        ],
        0,
    )
}

fn roll_int(tensor: Tensor<2, Int>) -> Tensor<2, Int> {
    let rows = tensor.dims()[0];
    if rows < 2 {
        return tensor;
    }
    Tensor::cat(
        vec![
            tensor.clone().narrow(0, 1, rows - 1),
            tensor.narrow(0, 0, 1),
        ],
        0,
    )
}
