//! The Hugging Face (rotate-half) and internal (adjacent-pair) layouts of rotary query/key
//! projections describe the same attention: permuting the weights with
//! `hf_to_internal_qk` makes burn's RoPE reproduce rotate-half RoPE.

use prefopt_core::burn::nn::RotaryEncodingConfig;
use prefopt_core::burn::tensor::{Device, Distribution, Tensor};
use prefopt_models::causal_lm::{hf_to_internal_qk, internal_to_hf_qk};

/// Hugging Face's `apply_rotary_pos_emb` for one position: feature `i` pairs with
/// `i + head_dim / 2`, frequency `theta^(-2i / head_dim)`.
fn rotate_half(x: &[f32], position: usize, theta: f64) -> Vec<f32> {
    let half = x.len() / 2;
    let mut out = vec![0.0; x.len()];
    for i in 0..half {
        let angle = position as f64 * theta.powf(-2.0 * i as f64 / x.len() as f64);
        let (sin, cos) = (angle.sin() as f32, angle.cos() as f32);
        out[i] = x[i] * cos - x[i + half] * sin;
        out[i + half] = x[i + half] * cos + x[i] * sin;
    }
    out
}

#[test]
fn permuted_weights_under_adjacent_pair_rope_equal_rotate_half_rope() {
    let device = Device::default();
    let (heads, head_dim, hidden, theta) = (3, 8, 12, 10_000.0);
    // A Hugging Face `q_proj.weight`, PyTorch layout [heads * head_dim, hidden].
    let hf_weight = Tensor::<2>::random([heads * head_dim, hidden], Distribution::Default, &device);
    let x = Tensor::<2>::random([5, hidden], Distribution::Default, &device);
    let hf_q = x
        .clone()
        .matmul(hf_weight.clone().transpose())
        .into_data()
        .try_into_vec_as::<f32>()
        .unwrap();

    let internal_weight = hf_to_internal_qk(hf_weight.clone(), heads, head_dim, 0);
    let rope = RotaryEncodingConfig::new(16, head_dim)
        .with_theta(theta as f32)
        .init(&device);
    let q = x.matmul(internal_weight.clone().transpose()); // [positions, heads * head_dim]
    let rotated = rope
        .apply(q.reshape([5, heads, head_dim]).swap_dims(0, 1), 0) // [heads, positions, head_dim]
        .swap_dims(0, 1)
        .reshape([5, heads * head_dim]);
    // Back to the Hugging Face feature order, then compare with rotate-half RoPE.
    let ours = internal_to_hf_qk(rotated, heads, head_dim, 1)
        .into_data()
        .try_into_vec_as::<f32>()
        .unwrap();
    for position in 0..5 {
        for head in 0..heads {
            let start = position * heads * head_dim + head * head_dim;
            let expected = rotate_half(&hf_q[start..start + head_dim], position, theta);
            for (i, (&mine, &theirs)) in ours[start..start + head_dim]
                .iter()
                .zip(&expected)
                .enumerate()
            {
                assert!(
                    (mine - theirs).abs() < 1e-4,
                    "position {position} head {head} feature {i}: {mine} vs {theirs}"
                );
            }
        }
    }
    // The two permutations are inverses, on either axis.
    let round_trip = internal_to_hf_qk(internal_weight, heads, head_dim, 0);
    assert_eq!(round_trip.into_data(), hf_weight.clone().into_data());
    let burn_layout = hf_weight.clone().transpose();
    let back = internal_to_hf_qk(
        hf_to_internal_qk(burn_layout.clone(), heads, head_dim, 1),
        heads,
        head_dim,
        1,
    );
    assert_eq!(back.into_data(), burn_layout.into_data());
}
