//! Token-id batches: right padding, masks, lengths, and concatenation of unequal batches.

use prefopt_core::burn::tensor::{Device, Int, Tensor};
use prefopt_core::{PrefoptError, SequenceBatch};

fn ints(tensor: Tensor<2, Int>) -> Vec<i64> {
    tensor
        .into_data()
        .convert::<i64>()
        .try_to_vec::<i64>()
        .unwrap()
}

fn floats(tensor: Tensor<2>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn from_ids_right_pads_prompts_and_completions_with_masks() {
    let device = Device::default();
    let batch = SequenceBatch::from_ids(
        &[vec![5, 6, 7], vec![8]],
        &[vec![1], vec![2, 3]],
        0,
        &device,
    )
    .unwrap();
    assert_eq!(ints(batch.prompts.clone()), vec![5, 6, 7, 8, 0, 0]);
    assert_eq!(
        floats(batch.prompt_mask.clone()),
        vec![1., 1., 1., 1., 0., 0.]
    );
    assert_eq!(ints(batch.completions.clone()), vec![1, 0, 2, 3]);
    assert_eq!(floats(batch.completion_mask.clone()), vec![1., 0., 1., 1.]);
    assert_eq!(batch.lengths(), vec![(3, 1), (1, 2)]);
}

#[test]
fn concat_pads_the_shorter_batch() {
    let device = Device::default();
    let first = SequenceBatch::from_ids(&[vec![1, 2]], &[vec![3]], 9, &device).unwrap();
    let second = SequenceBatch::from_ids(&[vec![4]], &[vec![5, 6, 7]], 9, &device).unwrap();
    let both = SequenceBatch::concat(first, second);
    assert_eq!(both.prompts.dims(), [2, 2]);
    assert_eq!(both.completions.dims(), [2, 3]);
    assert_eq!(both.lengths(), vec![(2, 1), (1, 3)]);
    assert_eq!(floats(both.completion_mask), vec![1., 0., 0., 1., 1., 1.]);
}

#[test]
fn from_ids_refuses_empty_prompts_and_mismatched_counts() {
    let device = Device::default();
    let empty = SequenceBatch::from_ids(&[vec![1], vec![]], &[vec![2], vec![3]], 0, &device);
    assert!(matches!(empty, Err(PrefoptError::Data(m)) if m.contains("sequence 1: empty prompt")));
    let counts = SequenceBatch::from_ids(&[vec![1]], &[vec![2], vec![3]], 0, &device);
    assert!(
        matches!(counts, Err(PrefoptError::Data(m)) if m.contains("1 prompts but 2 completions"))
    );
    let none = SequenceBatch::from_ids(&[], &[], 0, &device);
    assert!(none.is_err());
}
