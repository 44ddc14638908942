//! From a preference batch to the per-sequence log-probs objectives score.

use prefopt_core::{PairLogps, Policy, PreferenceBatch, ReferenceModel, SequenceBatch};

/// Runs the policy once over `[chosen; rejected]` (one forward pass for both halves) and the
/// reference over the same, and splits the results into [`PairLogps`].
pub fn pair_logps(
    policy: &dyn Policy,
    reference: &dyn ReferenceModel,
    batch: &PreferenceBatch,
) -> PairLogps {
    let pairs = batch.len();
    let both = SequenceBatch::concat(batch.chosen.clone(), batch.rejected.clone());
    let policy_logps = policy.sequence_logps(&both);
    let reference_logps = reference.sequence_logps(&both);
    let tokens = both.completion_tokens();
    let halves = |tensor: prefopt_core::burn::tensor::Tensor<1>| {
        (
            tensor.clone().narrow(0, 0, pairs),
            tensor.narrow(0, pairs, pairs),
        )
    };
    let (policy_chosen, policy_rejected) = halves(policy_logps);
    let (reference_chosen, reference_rejected) = halves(reference_logps);
    let (chosen_tokens, rejected_tokens) = halves(tokens);
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
