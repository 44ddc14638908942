//! Every block's query and key projections moved between rotary layouts, for Hugging Face import
//! and export.

use crate::causal_lm::{CausalLm, CausalLmConfig};
use prefopt_core::burn::tensor::Tensor;

/// Applies `change_layout` (`hf_to_internal_qk` or `internal_to_hf_qk`) to the query and key
/// `Linear` weights of every block of `model`, with the query head count for `W_q` and the
/// key/value head count for `W_k`.
///
/// # Shapes
/// The weights are burn `Linear` weights `[d_in, d_out]`: the output axis, 1, is permuted.
pub(super) fn change_qk_layout(
    model: &mut CausalLm,
    config: &CausalLmConfig,
    change_layout: fn(Tensor<2>, usize, usize, usize) -> Tensor<2>,
) {
    for block in &mut model.blocks {
        let attention = &mut block.attention;
        attention.query.weight = attention
            .query
            .weight
            .clone()
            .map(|weight| change_layout(weight, config.num_heads, config.head_dim, 1));
        attention.key.weight = attention
            .key
            .weight
            .clone()
            .map(|weight| change_layout(weight, config.num_kv_heads, config.head_dim, 1));
    }
}
