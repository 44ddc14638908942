//! The log-ratios that pairwise objectives score, and TRL's per-token normalization.

use prefopt_core::PairLogps;
use prefopt_core::burn::tensor::Tensor;

/// `(log pi(y_w|x) - log pi_ref(y_w|x), log pi(y_l|x) - log pi_ref(y_l|x))`: the raw
/// log-ratios (Rafailov et al. 2023, arXiv:2305.18290, eq. 5: the implicit reward over beta).
///
/// # Shapes
/// Two `[batch]` tensors.
pub fn log_ratios(pairs: &PairLogps) -> (Tensor<1>, Tensor<1>) {
    (pairs.chosen_log_ratio(), pairs.rejected_log_ratio())
}

/// Divides each chosen and rejected score by its completion token count (at least 1), as TRL
/// does for `ipo` (Azar et al. 2023, arXiv:2310.12036) and `sigmoid_norm` (Tülu 3,
/// arXiv:2411.15124, eq. 6): `(s_w / |y_w|, s_l / |y_l|)`.
///
/// # Shapes
/// `chosen, rejected: [batch]` to two `[batch]` tensors.
pub fn per_token(
    pairs: &PairLogps,
    chosen: Tensor<1>,
    rejected: Tensor<1>,
) -> (Tensor<1>, Tensor<1>) {
    (
        chosen / pairs.chosen_tokens.clone().clamp_min(1.0),
        rejected / pairs.rejected_tokens.clone().clamp_min(1.0),
    )
}

/// AOT's quantile matching (Melnyk et al. 2024, arXiv:2406.05882): `sort(a) - sort(b)` over the
/// batch, the i-th smallest of `a` against the i-th smallest of `b`. Differentiable (a gather by
/// the sort's indices).
///
/// # Shapes
/// `a, b: [batch]` to `[batch]`.
pub fn sorted_difference(a: Tensor<1>, b: Tensor<1>) -> Tensor<1> {
    a.sort(0) - b.sort(0)
}
