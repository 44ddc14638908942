//! The log-ratios that pairwise objectives score.

use prefopt_core::PairLogps;
use prefopt_core::burn::tensor::Tensor;

/// `(log pi(y_w|x) - log pi_ref(y_w|x), log pi(y_l|x) - log pi_ref(y_l|x))`, each divided by its
/// completion token count when `per_token` (IPO's length normalization, Azar et al. 2023, as
/// TRL computes it).
///
/// # Shapes
/// Two `[batch]` tensors.
pub fn log_ratios(pairs: &PairLogps, per_token: bool) -> (Tensor<1>, Tensor<1>) {
    let chosen = pairs.chosen_log_ratio();
    let rejected = pairs.rejected_log_ratio();
    if per_token {
        (
            chosen / pairs.chosen_tokens.clone(),
            rejected / pairs.rejected_tokens.clone(),
        )
    } else {
        (chosen, rejected)
    }
}
