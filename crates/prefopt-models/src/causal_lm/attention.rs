//! Grouped-query self-attention with rotary position embeddings.

use super::cache::LayerCache;
use super::config::CausalLmConfig;
use super::model::weight_initializer;
use prefopt_core::burn;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::nn::{Linear, LinearConfig, RotaryEncoding};
use prefopt_core::burn::tensor::module::attention;
use prefopt_core::burn::tensor::ops::AttentionModuleOptions;
use prefopt_core::burn::tensor::{Bool, Device, Tensor};

/// Causal self-attention where `num_heads` query heads share `num_kv_heads` key/value heads
/// (GQA, Ainslie et al. 2023, arXiv:2305.13245), queries and keys rotated by RoPE.
#[derive(Module, Debug)]
pub struct GroupedQueryAttention {
    /// `W_q`: `[hidden, num_heads * head_dim]`, adjacent-pair rotary layout.
    pub query: Linear,
    /// `W_k`: `[hidden, num_kv_heads * head_dim]`, adjacent-pair rotary layout.
    pub key: Linear,
    /// `W_v`: `[hidden, num_kv_heads * head_dim]`.
    pub value: Linear,
    /// `W_o`: `[num_heads * head_dim, hidden]`.
    pub output: Linear,
    num_heads: usize,
    num_kv_heads: usize,
    head_dim: usize,
}

impl GroupedQueryAttention {
    /// Randomly initialized projections (bias off) for `config`.
    pub fn init(config: &CausalLmConfig, device: &Device) -> Self {
        let linear = |d_in, d_out| {
            LinearConfig::new(d_in, d_out)
                .with_bias(false)
                .with_initializer(weight_initializer())
                .init(device)
        };
        let (q_width, kv_width) = (config.q_width(), config.kv_width());
        Self {
            query: linear(config.hidden_size, q_width),
            key: linear(config.hidden_size, kv_width),
            value: linear(config.hidden_size, kv_width),
            output: linear(q_width, config.hidden_size),
            num_heads: config.num_heads,
            num_kv_heads: config.num_kv_heads,
            head_dim: config.head_dim,
        }
    }

    /// Attends each position of `x` to itself and every earlier position (those in `cache`
    /// first, then those of `x`); `start` is the position of `x`'s first token.
    ///
    /// `key_padding` (`true` = a padding key, never attended to) covers the cached and new
    /// positions; queries at padding positions see only padding and come out as zeros.
    ///
    /// # Shapes
    /// * `x`: `[batch, seq, hidden]` -> `[batch, seq, hidden]`
    /// * `key_padding`: `[batch, cached_len + seq]`
    pub fn forward(
        &self,
        x: Tensor<3>,
        rope: &RotaryEncoding,
        start: usize,
        key_padding: Option<&Tensor<2, Bool>>,
        cache: Option<&mut LayerCache>,
    ) -> Tensor<3> {
        let [batch, seq, _] = x.dims();
        let heads = |t: Tensor<3>, count: usize| -> Tensor<4> {
            t.reshape([batch, seq, count, self.head_dim])
                .swap_dims(1, 2)
        };
        let q = rope.apply(heads(self.query.forward(x.clone()), self.num_heads), start);
        let k = rope.apply(heads(self.key.forward(x.clone()), self.num_kv_heads), start);
        let v = heads(self.value.forward(x), self.num_kv_heads);
        let (k, v) = match cache {
            Some(cache) => cache.append(k, v),
            None => (k, v),
        };
        let keys_len = k.dims()[2];
        let mask = key_padding.map(|padding| {
            padding.clone().reshape([batch, 1, 1, keys_len]).expand([
                batch,
                self.num_heads,
                seq,
                keys_len,
            ])
        });
        let options = AttentionModuleOptions {
            scale: None,
            softcap: None,
            is_causal: true,
        };
        let context = attention(q, self.repeat_kv(k), self.repeat_kv(v), mask, None, options);
        let context = context
            .swap_dims(1, 2)
            .reshape([batch, seq, self.num_heads * self.head_dim]);
        self.output.forward(context)
    }

    /// Repeats each key/value head for the query heads that share it.
    ///
    /// # Shapes
    /// `[batch, num_kv_heads, len, head_dim]` -> `[batch, num_heads, len, head_dim]`
    fn repeat_kv(&self, x: Tensor<4>) -> Tensor<4> {
        let groups = self.num_heads / self.num_kv_heads;
        if groups == 1 {
            return x;
        }
        let [batch, kv_heads, len, head_dim] = x.dims();
        x.unsqueeze_dim::<5>(2)
            .expand([batch, kv_heads, groups, len, head_dim])
            .reshape([batch, kv_heads * groups, len, head_dim])
    }
}
