//! The causal LM's kernels at the `tiny` benchmark shape (hidden 256, 4 layers, vocabulary
//! 4096): per-token completion log-probs (one forward pass), the log-softmax gathered at the
//! targets, and one attention layer.
//!
//! `cargo bench -p prefopt-models --bench kernels`

use prefopt_core::SequenceBatch;
use prefopt_core::burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use prefopt_models::bench::BenchShape;
use prefopt_models::causal_lm::{CausalLm, logsumexp_rows, token_logps};
use prefopt_models::seeded::seeded_module;

fn main() {
    divan::main();
}

/// Sequences per batch and tokens per prompt and per completion.
const ROWS: usize = 8;
const HALF: usize = 32;

fn device() -> Device {
    prefopt_core::parse_device("flex").expect("the flex backend is compiled in")
}

fn model(device: &Device) -> CausalLm {
    let config = BenchShape::Tiny.config();
    seeded_module(device, 0, || CausalLm::init(&config, device))
}

fn ids(rows: usize, len: usize, vocab: usize, device: &Device) -> Tensor<2, Int> {
    let values: Vec<i64> = (0..rows * len)
        .map(|i| ((i * 2_654_435_761) % vocab) as i64)
        .collect();
    Tensor::from_data(TensorData::new(values, [rows, len]), device)
}

/// `token_logps`: the forward pass over prompt + completion, logits only where completion
/// tokens are predicted (no autodiff).
#[divan::bench]
fn causal_lm_token_logps(bencher: divan::Bencher) {
    let device = device();
    let model = model(&device);
    let vocab = model.vocab_size();
    let batch = SequenceBatch {
        prompts: ids(ROWS, HALF, vocab, &device),
        prompt_mask: Tensor::ones([ROWS, HALF], &device),
        completions: ids(ROWS, HALF, vocab - 1, &device),
        completion_mask: Tensor::ones([ROWS, HALF], &device),
    };
    bencher.bench_local(|| token_logps(&model, &batch).into_data());
}

/// `log softmax` gathered at the targets, `logit[target] - logsumexp(logits)`, over
/// `ROWS * HALF` positions of the tiny vocabulary.
#[divan::bench]
fn log_softmax_gather(bencher: divan::Bencher) {
    let device = device();
    let vocab = BenchShape::Tiny.config().vocab_size;
    let rows = ROWS * HALF;
    let logits = Tensor::<2>::random([rows, vocab], Distribution::Normal(0.0, 1.0), &device);
    let targets = ids(rows, 1, vocab, &device);
    bencher.bench_local(|| {
        let picked = logits.clone().gather(1, targets.clone());
        (picked - logsumexp_rows(logits.clone())).into_data()
    });
}

/// One grouped-query attention layer (4 query heads over 2 key/value heads, rotary, causal)
/// over `ROWS` sequences of `2 * HALF` positions.
#[divan::bench]
fn attention_layer(bencher: divan::Bencher) {
    let device = device();
    let model = model(&device);
    let hidden = BenchShape::Tiny.config().hidden_size;
    let x = Tensor::<3>::random(
        [ROWS, 2 * HALF, hidden],
        Distribution::Normal(0.0, 1.0),
        &device,
    );
    let attention = &model.blocks[0].attention;
    bencher.bench_local(|| {
        attention
            .forward(x.clone(), &model.rope, 0, None, None)
            .into_data()
    });
}
