//! The causal mask with key padding as an additive attention bias.
//!
//! Attention backends disagree on boolean masks: burn's `true` hides a key, PyTorch's
//! `scaled_dot_product_attention` (which burn-tch 0.22.1 hands burn's mask and causal flag to
//! unchanged) reads `true` as "attend", and aligns its causal mask to the top left where burn
//! aligns it to the bottom right (a query block after a KV cache). An additive bias means the
//! same to every backend, so attention over a cache or over padding goes through one.

use prefopt_core::burn::tensor::{Bool, Device, Tensor, TensorData};

/// `0` where query `i` of `queries` (the last `queries` of `keys` positions) may attend key
/// `j`, `-inf` where not: `j <= i + keys - queries` (causal, bottom-right aligned) and key `j`
/// not padding. A query always sees its own position, so no row is all `-inf` (a query at a
/// padding position attends to itself alone; real queries never see padding keys).
///
/// # Shapes
/// * `key_padding`: `[batch, keys]` (`true` = padding), or none
/// * returns `[batch, 1, queries, keys]`
pub fn causal_padding_bias(
    batch: usize,
    queries: usize,
    keys: usize,
    key_padding: Option<&Tensor<2, Bool>>,
    device: &Device,
) -> Tensor<4> {
    let padding: Option<Vec<bool>> = key_padding.map(|padding| {
        padding
            .clone()
            .into_data()
            .convert::<bool>()
            .try_into_vec::<bool>()
            .expect("a boolean key padding mask")
    });
    let offset = keys - queries;
    let mut bias = Vec::with_capacity(batch * queries * keys);
    for row in 0..batch {
        for query in 0..queries {
            let own = query + offset;
            for key in 0..keys {
                let padded = padding.as_ref().is_some_and(|p| p[row * keys + key]);
                let visible = key == own || (key < own && !padded);
                bias.push(if visible { 0.0f32 } else { f32::NEG_INFINITY });
            }
        }
    }
    Tensor::from_data(TensorData::new(bias, [batch, 1, queries, keys]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causal_after_a_cache_and_padding_by_hand() {
        let device = Device::default();
        // One row, 3 keys (the first is padding), the last 2 are queries.
        let padding = Tensor::<2, Bool>::from_data(
            TensorData::new(vec![true, false, false], [1, 3]),
            &device,
        );
        let bias: Vec<f32> = causal_padding_bias(1, 2, 3, Some(&padding), &device)
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        let inf = f32::NEG_INFINITY;
        assert_eq!(bias, vec![inf, 0.0, inf, inf, 0.0, 0.0]);
        // A padding query sees itself only.
        let bias: Vec<f32> = causal_padding_bias(1, 3, 3, Some(&padding), &device)
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        assert_eq!(&bias[..3], &[0.0, inf, inf]);
    }
}
