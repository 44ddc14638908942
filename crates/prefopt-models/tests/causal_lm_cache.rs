//! Cached decoding equals the full forward pass, for multi-head, grouped-query and
//! multi-query attention.

use prefopt_core::burn::tensor::{Device, Int, Tensor, TensorData, Tolerance};
use prefopt_models::causal_lm::{CausalLm, CausalLmConfig, KvCache};

fn model(num_kv_heads: usize, seed: u64) -> CausalLm {
    let device = Device::default();
    device.seed(seed);
    let config = CausalLmConfig {
        num_kv_heads,
        ..CausalLmConfig::tiny()
    };
    config.validate("test").unwrap();
    CausalLm::init(&config, &device)
}

fn ids(tokens: &[i64]) -> Tensor<2, Int> {
    Tensor::from_data(
        TensorData::new(tokens.to_vec(), [1, tokens.len()]),
        &Device::default(),
    )
}

#[test]
fn cached_decoding_matches_the_full_forward_pass() {
    let tokens: Vec<i64> = vec![5, 17, 3, 60, 42, 8, 8, 33, 1, 29];
    for num_kv_heads in [1, 2, 4] {
        let model = model(num_kv_heads, 7);
        let full = model.forward(ids(&tokens));
        let mut cache = KvCache::new(model.blocks.len());
        // A prefix of 6 tokens, then one token at a time.
        let mut hidden = vec![model.forward_hidden(ids(&tokens[..6]), None, Some(&mut cache))];
        for position in 6..tokens.len() {
            assert_eq!(cache.len(), position);
            hidden.push(model.forward_hidden(
                ids(&tokens[position..=position]),
                None,
                Some(&mut cache),
            ));
        }
        let hidden = Tensor::cat(hidden, 1);
        let [_, seq, width] = hidden.dims();
        let cached =
            model
                .logits(hidden.reshape([seq, width]))
                .reshape([1, seq, model.vocab_size()]);
        cached
            .into_data()
            .assert_approx_eq::<f32>(&full.into_data(), Tolerance::absolute(1e-4));
    }
}

#[test]
fn grouped_query_attention_equals_multi_head_attention_with_repeated_heads() {
    let gqa = model(2, 11);
    let mut mha = model(4, 12);
    let config = CausalLmConfig::tiny();
    let groups = config.num_heads / 2;
    // Copy every weight; key/value heads are repeated for the query heads that share them.
    mha.embedding.weight = gqa.embedding.weight.clone();
    mha.norm.gamma = gqa.norm.gamma.clone();
    for (target, source) in mha.blocks.iter_mut().zip(&gqa.blocks) {
        target.attention_norm.gamma = source.attention_norm.gamma.clone();
        target.mlp_norm.gamma = source.mlp_norm.gamma.clone();
        target.mlp = source.mlp.clone();
        target.attention.query.weight = source.attention.query.weight.clone();
        target.attention.output.weight = source.attention.output.weight.clone();
        let repeat = |weight: Tensor<2>| -> Tensor<2> {
            let [hidden, _] = weight.dims();
            weight
                .reshape([hidden, 2, 1, config.head_dim])
                .repeat_dim(2, groups)
                .reshape([hidden, config.num_heads * config.head_dim])
        };
        target.attention.key.weight = prefopt_core::burn::module::Param::from_tensor(repeat(
            source.attention.key.weight.val(),
        ));
        target.attention.value.weight = prefopt_core::burn::module::Param::from_tensor(repeat(
            source.attention.value.weight.val(),
        ));
    }
    let tokens = ids(&[3, 9, 27, 50, 12, 7]);
    mha.forward(tokens.clone())
        .into_data()
        .assert_approx_eq::<f32>(&gqa.forward(tokens).into_data(), Tolerance::absolute(1e-4));
}
