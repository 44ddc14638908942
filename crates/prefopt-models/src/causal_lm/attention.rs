//! Grouped-query self-attention with rotary position embeddings.

use super::attention_bias::causal_padding_bias;
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
    /// positions; a query at a padding position attends to itself alone.
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
        let x_device = x.device();
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
        // A plain causal block (no padding, no cache) takes the backend's causal flag; anything
        // else an additive bias, which every backend reads the same way (see `attention_bias`).
        let bias = (key_padding.is_some() || keys_len != seq).then(|| {
            causal_padding_bias(batch, seq, keys_len, key_padding, &x_device).expand([
                batch,
                self.num_heads,
                seq,
                keys_len,
            ])
        });
        let options = AttentionModuleOptions {
            scale: None,
            softcap: None,
            is_causal: bias.is_none(),
        };
        let context = attention(q, self.repeat_kv(k), self.repeat_kv(v), None, bias, options);
        let context = context
            .swap_dims(1, 2)
            .reshape([batch, seq, self.num_heads * self.head_dim]);
        self.output.forward(context)
    }

    /// Attends each position of `x` to `past` (rotated keys and values computed earlier, such
    /// as a prompt's shared by several completions) followed by `x`'s own positions, under the
    /// additive `bias` (0 where attended, `-inf` where not), which carries the causal mask and
    /// any padding: no mask of its own is added. `start` is the rotary position of `x`'s first
    /// token. Only the positions from `queries_from` on are queries (0: every position; the
    /// keys and values cover all of `x`). Returns the output at the query positions and `x`'s
    /// own rotated keys and values (without `past`).
    ///
    /// # Shapes
    /// * `x`: `[batch, seq, hidden]` -> `[batch, seq - queries_from, hidden]`
    /// * `past`: `[batch, num_kv_heads, past_len, head_dim]` keys, then values
    /// * `bias`: `[batch, 1, seq - queries_from, past_len + seq]`, the same for every head
    /// * returned keys and values: `[batch, num_kv_heads, seq, head_dim]`
    pub fn forward_with_past(
        &self,
        x: Tensor<3>,
        rope: &RotaryEncoding,
        start: usize,
        past: Option<(Tensor<4>, Tensor<4>)>,
        bias: &Tensor<4>,
        queries_from: usize,
    ) -> (Tensor<3>, Tensor<4>, Tensor<4>) {
        let [batch, seq, hidden] = x.dims();
        let queries = seq - queries_from;
        let heads = |t: Tensor<3>, len: usize, count: usize| -> Tensor<4> {
            t.reshape([batch, len, count, self.head_dim])
                .swap_dims(1, 2)
        };
        let x_queries = match queries_from {
            0 => x.clone(),
            from => x.clone().slice([0..batch, from..seq, 0..hidden]),
        };
        let q = rope.apply(
            heads(self.query.forward(x_queries), queries, self.num_heads),
            start + queries_from,
        );
        let k = rope.apply(
            heads(self.key.forward(x.clone()), seq, self.num_kv_heads),
            start,
        );
        let v = heads(self.value.forward(x), seq, self.num_kv_heads);
        let (keys, values) = match past {
            Some((past_keys, past_values)) => (
                Tensor::cat(vec![past_keys, k.clone()], 2),
                Tensor::cat(vec![past_values, v.clone()], 2),
            ),
            None => (k.clone(), v.clone()),
        };
        let keys_len = keys.dims()[2];
        let bias = bias
            .clone()
            .expand([batch, self.num_heads, queries, keys_len]);
        let options = AttentionModuleOptions {
            scale: None,
            softcap: None,
            is_causal: false,
        };
        let context = attention(
            q,
            self.repeat_kv(keys),
            self.repeat_kv(values),
            None,
            Some(bias),
            options,
        );
        let context =
            context
                .swap_dims(1, 2)
                .reshape([batch, queries, self.num_heads * self.head_dim]);
        (self.output.forward(context), k, v)
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
