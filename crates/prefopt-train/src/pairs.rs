//! From a preference batch to the per-sequence log-probs objectives score.

use prefopt_core::burn::tensor::{Int, Tensor};
use prefopt_core::{
    DataKind, ObjectiveOutput, PairLogps, Policy, PreferenceBatch, PreferenceObjective,
    PrefoptError, ReferenceModel, SequenceBatch, UnpairedLogps,
};

/// Runs the policy once over `[chosen; rejected]` (one forward pass for both halves) and the
/// reference over the same, and splits the results into [`PairLogps`].
pub fn pair_logps(
    policy: &dyn Policy,
    reference: &dyn ReferenceModel,
    batch: &PreferenceBatch,
) -> PairLogps {
    let pairs = batch.len();
    let both = SequenceBatch::concat(batch.chosen.clone(), batch.rejected.clone());
    let (policy_chosen, policy_rejected) = halves(policy.sequence_logps(&both), pairs);
    let (reference_chosen, reference_rejected) = halves(reference.sequence_logps(&both), pairs);
    let (chosen_tokens, rejected_tokens) = halves(both.completion_tokens(), pairs);
    PairLogps {
        policy_chosen,
        policy_rejected,
        reference_chosen,
        reference_rejected,
        chosen_tokens,
        rejected_tokens,
        weights: batch.weights.clone(),
    }
}

/// Unpairs a preference batch for unpaired objectives (KTO): chosen completions are desirable,
/// rejected ones undesirable, and the KL baseline uses mismatched pairs, prompt `i` with the
/// completion of sequence `i + 1` (Ethayarajh et al. 2024, arXiv:2402.01306, §4.1; TRL's
/// `KTOTrainer`). One policy forward pass covers the completions and the mismatched pairs.
pub fn unpaired_logps(
    policy: &dyn Policy,
    reference: &dyn ReferenceModel,
    batch: &PreferenceBatch,
) -> UnpairedLogps {
    let pairs = batch.len();
    let device = batch.chosen.prompts.device();
    let completions = SequenceBatch::concat(batch.chosen.clone(), batch.rejected.clone());
    let mismatched = SequenceBatch {
        prompts: completions.prompts.clone(),
        prompt_mask: completions.prompt_mask.clone(),
        completions: roll_int(completions.completions.clone()),
        completion_mask: roll(completions.completion_mask.clone()),
    };
    let all = SequenceBatch::concat(completions.clone(), mismatched);
    let count = 2 * pairs;
    let (policy_logps, kl_policy) = halves(policy.sequence_logps(&all), count);
    let (reference_logps, kl_reference) = halves(reference.sequence_logps(&all), count);
    UnpairedLogps {
        policy: policy_logps,
        reference: reference_logps,
        desirable: Tensor::cat(
            vec![
                Tensor::ones([pairs], &device),
                Tensor::zeros([pairs], &device),
            ],
            0,
        ),
        tokens: completions.completion_tokens(),
        kl_policy,
        kl_reference,
        weights: batch
            .weights
            .as_ref()
            .map(|w| Tensor::cat(vec![w.clone(), w.clone()], 0)),
    }
}

/// The objective's output on a batch, through the data kind it declares.
pub fn objective_output(
    objective: &dyn PreferenceObjective,
    policy: &dyn Policy,
    reference: &dyn ReferenceModel,
    batch: &PreferenceBatch,
) -> Result<ObjectiveOutput, PrefoptError> {
    match objective.data() {
        DataKind::Paired => Ok(objective.loss(&pair_logps(policy, reference, batch))),
        DataKind::Unpaired => objective
            .unpaired_loss(&unpaired_logps(policy, reference, batch))
            .ok_or_else(|| {
                PrefoptError::Incompatible(format!(
                    "objective {objective:?} declares unpaired data but has no unpaired loss"
                ))
            }),
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

fn halves(tensor: Tensor<1>, first: usize) -> (Tensor<1>, Tensor<1>) {
    let rest = tensor.dims()[0] - first;
    (
        tensor.clone().narrow(0, 0, first),
        tensor.narrow(0, first, rest),
    )
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
