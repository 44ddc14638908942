//! One pre-norm decoder block: `x + attn(norm(x))`, then `x + mlp(norm(x))`.

use super::attention::GroupedQueryAttention;
use super::cache::LayerCache;
use super::config::CausalLmConfig;
use super::mlp::FeedForward;
use prefopt_core::burn;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::nn::{RmsNorm, RmsNormConfig, RotaryEncoding};
use prefopt_core::burn::tensor::{Bool, Device, Tensor};

/// A Llama decoder block (Touvron et al. 2023, arXiv:2302.13971, §2.2).
#[derive(Module, Debug)]
pub struct DecoderBlock {
    /// RMSNorm before attention.
    pub attention_norm: RmsNorm,
    /// Grouped-query self-attention.
    pub attention: GroupedQueryAttention,
    /// RMSNorm before the MLP.
    pub mlp_norm: RmsNorm,
    /// SwiGLU MLP.
    pub mlp: FeedForward,
}

impl DecoderBlock {
    /// A randomly initialized block for `config`.
    pub fn init(config: &CausalLmConfig, device: &Device) -> Self {
        let norm = || {
            RmsNormConfig::new(config.hidden_size)
                .with_epsilon(config.rms_norm_eps)
                .init(device)
        };
        Self {
            attention_norm: norm(),
            attention: GroupedQueryAttention::init(config, device),
            mlp_norm: norm(),
            mlp: FeedForward::init(config, device),
        }
    }

    /// See [`GroupedQueryAttention::forward`] for `start`, `key_padding` and `cache`.
    ///
    /// # Shapes
    /// `x`: `[batch, seq, hidden]` -> `[batch, seq, hidden]`
    pub fn forward(
        &self,
        x: Tensor<3>,
        rope: &RotaryEncoding,
        start: usize,
        key_padding: Option<&Tensor<2, Bool>>,
        cache: Option<&mut LayerCache>,
    ) -> Tensor<3> {
        let attended = self.attention.forward(
            self.attention_norm.forward(x.clone()),
            rope,
            start,
            key_padding,
            cache,
        );
        let x = x + attended;
        let transformed = self.mlp.forward(self.mlp_norm.forward(x.clone()));
        x + transformed
    }

    /// The block over `x` attending to `past` under `bias`, with queries from `queries_from` on
    /// ([`GroupedQueryAttention::forward_with_past`]); returns the output at the query
    /// positions and `x`'s own rotated keys and values.
    ///
    /// # Shapes
    /// * `x`: `[batch, seq, hidden]` -> `[batch, seq - queries_from, hidden]`
    /// * `past`, returned keys and values: `[batch, num_kv_heads, len, head_dim]`
    /// * `bias`: `[batch, 1, seq - queries_from, past_len + seq]`
    pub fn forward_with_past(
        &self,
        x: Tensor<3>,
        rope: &RotaryEncoding,
        start: usize,
        past: Option<(Tensor<4>, Tensor<4>)>,
        bias: &Tensor<4>,
        queries_from: usize,
    ) -> (Tensor<3>, Tensor<4>, Tensor<4>) {
        let (attended, keys, values) = self.attention.forward_with_past(
            self.attention_norm.forward(x.clone()),
            rope,
            start,
            past,
            bias,
            queries_from,
        );
        let x = match queries_from {
            0 => x,
            from => {
                let [batch, seq, hidden] = x.dims();
                x.slice([0..batch, from..seq, 0..hidden])
            }
        } + attended;
        let transformed = self.mlp.forward(self.mlp_norm.forward(x.clone()));
        (x + transformed, keys, values)
    }
}
