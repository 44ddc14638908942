//! Per-token log-probs of padded batches: equal to each row alone, and to a log-softmax over a
//! full forward pass; gradients flow on an autodiff device.

use prefopt_core::burn::tensor::activation::log_softmax;
use prefopt_core::burn::tensor::{Device, Int, Tensor, TensorData};
use prefopt_core::{Policy, SequenceBatch};
use prefopt_models::causal_lm::{CausalLmConfig, CausalLmPolicy};

fn rows() -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
    (
        vec![vec![4, 9, 13], vec![7], vec![22, 5, 31, 2, 60], vec![8, 8]],
        vec![vec![15, 3], vec![40, 41, 42, 43, 44], vec![6], vec![]],
    )
}

fn host(tensor: Tensor<2>) -> Vec<Vec<f32>> {
    let [rows, columns] = tensor.dims();
    let values = tensor.into_data().try_into_vec_as::<f32>().unwrap();
    (0..rows)
        .map(|row| values[row * columns..(row + 1) * columns].to_vec())
        .collect()
}

/// `log softmax(forward(prompt ++ completion))` read at the completion tokens.
fn brute_force(policy: &CausalLmPolicy, prompt: &[u32], completion: &[u32]) -> Vec<f32> {
    let sequence: Vec<i64> = prompt
        .iter()
        .chain(completion)
        .map(|&id| id as i64)
        .collect();
    let tokens = Tensor::<2, Int>::from_data(
        TensorData::new(sequence.clone(), [1, sequence.len()]),
        &Device::default(),
    );
    let logps = log_softmax(policy.model().forward(tokens), 2);
    let vocab = policy.config().vocab_size;
    let values = logps.into_data().try_into_vec_as::<f32>().unwrap();
    completion
        .iter()
        .enumerate()
        .map(|(t, &id)| values[(prompt.len() + t - 1) * vocab + id as usize])
        .collect()
}

#[test]
fn padded_batches_match_single_rows_and_a_full_log_softmax() {
    let device = Device::default();
    let policy = CausalLmPolicy::random(CausalLmConfig::tiny(), 3, &device).unwrap();
    let (prompts, completions) = rows();
    let batch = SequenceBatch::from_ids(&prompts, &completions, 0, &device).unwrap();
    let batched = host(policy.token_logps(&batch));
    assert_eq!(batched.len(), 4);
    for (row, (prompt, completion)) in prompts.iter().zip(&completions).enumerate() {
        let alone = SequenceBatch::from_ids(
            std::slice::from_ref(prompt),
            std::slice::from_ref(completion),
            0,
            &device,
        )
        .unwrap();
        let alone = &host(policy.token_logps(&alone))[0];
        let expected = brute_force(&policy, prompt, completion);
        for t in 0..batched[row].len() {
            if t < completion.len() {
                assert!(
                    (batched[row][t] - expected[t]).abs() < 1e-4,
                    "row {row} token {t}"
                );
                assert!(
                    (alone[t] - expected[t]).abs() < 1e-4,
                    "row {row} token {t} alone"
                );
                assert!(batched[row][t] < 0.0);
            } else {
                assert_eq!(batched[row][t], 0.0, "padding of row {row} must be 0");
            }
        }
    }
    let sums = policy
        .sequence_logps(&batch)
        .into_data()
        .try_into_vec_as::<f32>()
        .unwrap();
    let expected: f32 = brute_force(&policy, &prompts[0], &completions[0])
        .iter()
        .sum();
    assert!((sums[0] - expected).abs() < 1e-4);
    assert_eq!(sums[3], 0.0);
}

#[test]
fn gradients_flow_to_every_parameter_on_an_autodiff_device() {
    use prefopt_core::burn::module::{Module, ModuleVisitor, Param};
    let device = Device::default().autodiff();
    let mut policy = CausalLmPolicy::random(CausalLmConfig::tiny(), 5, &device).unwrap();
    let (prompts, completions) = rows();
    let batch = SequenceBatch::from_ids(&prompts, &completions, 0, &device).unwrap();
    let before = policy.sequence_logps(&batch).sum().into_scalar::<f32>();
    let grads = policy.sequence_logps(&batch).sum().neg().backward();

    struct CountGradients<'a> {
        grads: &'a prefopt_core::burn::tensor::Gradients,
        with: usize,
        total: usize,
    }
    impl ModuleVisitor for CountGradients<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.total += 1;
            if let Some(grad) = param.val().grad(self.grads) {
                assert!(grad.abs().sum().into_scalar::<f32>().is_finite());
                self.with += 1;
            }
        }
    }
    let mut counter = CountGradients {
        grads: &grads,
        with: 0,
        total: 0,
    };
    policy.model().visit(&mut counter);
    assert_eq!(
        counter.with, counter.total,
        "every parameter gets a gradient"
    );

    let mut optimizer = prefopt_core::burn::optim::AdamWConfig::new().init();
    policy.apply_gradients(&mut optimizer, 1e-2, grads);
    let after = policy.sequence_logps(&batch).sum().into_scalar::<f32>();
    assert!(
        after > before,
        "one ascent step raises the log-prob: {before} -> {after}"
    );

    let frozen = policy.freeze();
    let reference = frozen.sequence_logps(&batch).sum().into_scalar::<f32>();
    assert!((reference - after).abs() < 1e-3);
    assert!(!frozen.token_logps(&batch).is_require_grad());
}

#[test]
#[should_panic(expected = "sequence 1: token id 64 is outside the model's vocabulary of 64")]
fn token_ids_outside_the_vocabulary_are_named() {
    let device = Device::default();
    let policy = CausalLmPolicy::random(CausalLmConfig::tiny(), 3, &device).unwrap();
    let batch =
        SequenceBatch::from_ids(&[vec![1], vec![2]], &[vec![3], vec![64]], 0, &device).unwrap();
    let _ = policy.token_logps(&batch);
}
