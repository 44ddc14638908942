//! Token sequences of a [`SequenceBatch`] packed into one right-padded id table: each row's
//! real prompt tokens followed by its real completion tokens, for models that read prompt and
//! completion as one sequence (value models, reward models).

use prefopt_core::SequenceBatch;
use prefopt_core::burn::module::{Module, ModuleVisitor, Param};
use prefopt_core::burn::tensor::{Device, Int, Tensor, TensorData};

/// A batch's rows packed into `[rows, width]` ids, right-padded with `pad`.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    /// Row-major `[rows, width]` ids.
    pub ids: Vec<i64>,
    /// The number of rows.
    pub rows: usize,
    /// Positions per row (at least 1).
    pub width: usize,
    /// Real positions of each row (a prefix of it).
    pub lengths: Vec<usize>,
    /// Real prompt tokens of each row, as packed (after any truncation).
    pub prompt_lengths: Vec<usize>,
    /// Real completion tokens of each row in the batch.
    pub completion_lengths: Vec<usize>,
}

impl Packed {
    /// Packs `batch`: prompt then completion per row, without the completion's last token when
    /// `drop_last` (its hidden state predicts nothing), keeping at most the last `max_len`
    /// tokens of a row (the prompt's start is dropped first). Ids are mapped by `map_id`.
    pub fn new(
        batch: &SequenceBatch,
        drop_last: bool,
        max_len: Option<usize>,
        pad: i64,
        map_id: impl Fn(i64) -> i64,
    ) -> Self {
        let lengths = batch.lengths();
        let prompts = host_ids(&batch.prompts);
        let completions = host_ids(&batch.completions);
        let prompt_width = batch.prompts.dims()[1];
        let completion_width = batch.completions.dims()[1];
        let rows = lengths.len();
        let mut sequences = Vec::with_capacity(rows);
        let mut prompt_lengths = Vec::with_capacity(rows);
        for (row, &(prompt_len, completion_len)) in lengths.iter().enumerate() {
            let prompt = &prompts[row * prompt_width..][..prompt_len];
            let kept = if drop_last {
                completion_len.saturating_sub(1)
            } else {
                completion_len
            };
            let completion = &completions[row * completion_width..][..kept];
            let mut sequence: Vec<i64> = prompt.iter().chain(completion).copied().collect();
            let mut prompt_kept = prompt_len;
            if let Some(max_len) = max_len
                && sequence.len() > max_len
            {
                let cut = sequence.len() - max_len;
                sequence.drain(..cut);
                prompt_kept = prompt_kept.saturating_sub(cut);
            }
            sequences.push(sequence);
            prompt_lengths.push(prompt_kept);
        }
        let width = sequences.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let mut ids = Vec::with_capacity(rows * width);
        for sequence in &sequences {
            ids.extend(sequence.iter().map(|&id| map_id(id)));
            ids.extend(std::iter::repeat_n(pad, width - sequence.len()));
        }
        Self {
            ids,
            rows,
            width,
            lengths: sequences.iter().map(Vec::len).collect(),
            prompt_lengths,
            completion_lengths: lengths.iter().map(|&(_, c)| c).collect(),
        }
    }

    /// The ids on `device`.
    ///
    /// # Shapes
    /// `[rows, width]`.
    pub fn tensor(&self, device: &Device) -> Tensor<2, Int> {
        Tensor::from_data(
            TensorData::new(self.ids.clone(), [self.rows, self.width]),
            device,
        )
    }
}

/// The ids of an integer tensor, row-major, on the host.
pub fn host_ids(ids: &Tensor<2, Int>) -> Vec<i64> {
    ids.clone()
        .into_data()
        .convert::<i64>()
        .try_to_vec::<i64>()
        .expect("integer token ids convert to i64")
}

/// Initializes every lazily initialized float parameter of `module` now, so that its random
/// draws come from the device's generator as seeded just before, whatever is drawn later.
pub fn initialize_now<M: Module>(module: &M) {
    struct Initialize;
    impl ModuleVisitor for Initialize {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let _ = param.val();
        }
    }
    module.visit(&mut Initialize);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_prompt_then_completion() {
        let device = Device::default();
        let batch = SequenceBatch::from_ids(
            &[vec![5, 6, 7], vec![8]],
            &[vec![1, 2], vec![3, 4, 9]],
            0,
            &device,
        )
        .unwrap();
        let full = Packed::new(&batch, false, None, -1, |id| id);
        assert_eq!(full.width, 5);
        assert_eq!(full.ids, vec![5, 6, 7, 1, 2, 8, 3, 4, 9, -1]);
        assert_eq!(full.lengths, vec![5, 4]);
        let dropped = Packed::new(&batch, true, None, 0, |id| id);
        assert_eq!(dropped.ids, vec![5, 6, 7, 1, 8, 3, 4, 0]);
        assert_eq!(dropped.completion_lengths, vec![2, 3]);
        // At most 3 tokens: the prompt's start goes first; ids mapped.
        let cut = Packed::new(&batch, false, Some(3), 0, |id| id * 10);
        assert_eq!(cut.ids, vec![70, 10, 20, 30, 40, 90]);
        assert_eq!(cut.prompt_lengths, vec![1, 0]);
    }
}
