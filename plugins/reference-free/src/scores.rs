//! What reference-free objectives score: the policy's log-probs, summed or per token.

use prefopt_core::PairLogps;
use prefopt_core::PreferenceObjective;
use prefopt_core::burn::tensor::Tensor;
use prefopt_dpo::Sft;

/// `(log pi(y_w|x), log pi(y_l|x))`, each divided by its completion token count when
/// `per_token` (SimPO's and ORPO's length normalization).
///
/// # Shapes
/// Two `[batch]` tensors.
pub fn policy_logps(pairs: &PairLogps, per_token: bool) -> (Tensor<1>, Tensor<1>) {
    let chosen = pairs.policy_chosen.clone();
    let rejected = pairs.policy_rejected.clone();
    if per_token {
        (
            chosen / pairs.chosen_tokens.clone().clamp_min(1.0),
            rejected / pairs.rejected_tokens.clone().clamp_min(1.0),
        )
    } else {
        (chosen, rejected)
    }
}

/// The supervised term: the mean negative log-likelihood per chosen token, `sft`'s loss.
///
/// # Shapes
/// `[1]`.
pub fn chosen_nll(pairs: &PairLogps) -> Tensor<1> {
    Sft::default().loss(pairs).loss
}
