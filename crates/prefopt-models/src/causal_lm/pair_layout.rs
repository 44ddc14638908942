//! Where each token of a batch of preference pairs goes when each pair's prompt is run once
//! for both of its completions.

use super::logps::host_ids;
use prefopt_core::PreferenceBatch;

/// The host-side layout of a shared-prefix pair forward.
///
/// Prompts are left-padded to a common width `P`, so every completion starts at rotary
/// position `P`; completions (chosen rows first, then rejected) are right-padded to `C`
/// input positions (each completion less its last token, which predicts nothing).
/// Additive attention biases are 0 where a key is attended and `-inf` where it is not.
#[derive(Debug)]
pub(super) struct PairLayout {
    /// The number of pairs `B`.
    pub pairs: usize,
    /// `P`: the longest prompt.
    pub prompt_width: usize,
    /// `[B * P]` left-padded prompt ids (padding: token 0).
    pub prompt_ids: Vec<i64>,
    /// Per pair, the left padding of its prompt (`P` less its length).
    pub prompt_padding: Vec<usize>,
    /// `[B * P * P]`: causal, and padding keys hidden from every query but the padding
    /// position itself (so that no row of scores is all `-inf`).
    pub prompt_bias: Vec<f32>,
    /// `C`: the longest completion input (0 when no completion has two tokens).
    pub completion_width: usize,
    /// `[2B * C]` completion inputs, right-padded with token 0.
    pub completion_ids: Vec<i64>,
    /// `[2B * C * (P + C)]`: the pair's real prompt tokens, then the completion's own
    /// positions causally.
    pub completion_bias: Vec<f32>,
    /// `W`: the completion width of the result (the wider of the two sides).
    pub target_width: usize,
    /// `[2B * W]` rows of `[prompt last positions (B); completion positions (2B * C)]`
    /// whose hidden state predicts each completion token (0 on padding).
    pub predicting: Vec<i64>,
    /// `[2B * W]` completion ids (0 on padding).
    pub targets: Vec<i64>,
    /// `[2B * W]`: 1 on real completion tokens, 0 on padding.
    pub mask: Vec<f32>,
    /// The completion widths of the chosen and the rejected side.
    pub side_widths: [usize; 2],
    /// Positions the concatenated `[chosen; rejected]` forward would run: `2B` rows of the
    /// longest prompt + completion less one.
    pub concat_positions: usize,
}

impl PairLayout {
    /// The layout of `batch`, or `None` where the shared-prefix forward does not apply: the
    /// chosen and rejected prompts of some pair differ, a prompt is empty, a token id is
    /// outside `vocab`, or `P + C` exceeds `max_positions` (the concatenated forward then
    /// runs, and reports the last three).
    pub fn new(batch: &PreferenceBatch, vocab: usize, max_positions: usize) -> Option<Self> {
        let pairs = batch.len();
        let sides = [&batch.chosen, &batch.rejected];
        let lengths = sides.map(|side| side.lengths());
        let prompts = sides.map(|side| host_ids(&side.prompts));
        let completions = sides.map(|side| host_ids(&side.completions));
        let prompt_widths = sides.map(|side| side.prompts.dims()[1]);
        let side_widths = sides.map(|side| side.completions.dims()[1]);
        let prompt_of = |side: usize, row: usize| -> &[i64] {
            &prompts[side][row * prompt_widths[side]..][..lengths[side][row].0]
        };
        let completion_of = |side: usize, row: usize| -> &[i64] {
            &completions[side][row * side_widths[side]..][..lengths[side][row].1]
        };
        let in_vocabulary = |ids: &[i64]| ids.iter().all(|&id| id >= 0 && (id as usize) < vocab);
        for row in 0..pairs {
            let prompt = prompt_of(0, row);
            if prompt.is_empty()
                || prompt != prompt_of(1, row)
                || !in_vocabulary(prompt)
                || !(0..2).all(|side| in_vocabulary(completion_of(side, row)))
            {
                return None;
            }
        }
        let prompt_width = (0..pairs).map(|row| lengths[0][row].0).max().unwrap_or(1);
        let completion_lengths: Vec<usize> = (0..2)
            .flat_map(|side| (0..pairs).map(move |row| (side, row)))
            .map(|(side, row)| lengths[side][row].1)
            .collect();
        let completion_width = completion_lengths
            .iter()
            .map(|length| length.saturating_sub(1))
            .max()
            .unwrap_or(0);
        if prompt_width + completion_width > max_positions {
            return None;
        }
        let concat_width = (0..2)
            .flat_map(|side| lengths[side].iter())
            .map(|&(prompt, completion)| prompt + completion.saturating_sub(1))
            .max()
            .unwrap_or(1);
        let target_width = side_widths[0].max(side_widths[1]);
        let mut layout = Self {
            pairs,
            prompt_width,
            prompt_ids: Vec::with_capacity(pairs * prompt_width),
            prompt_padding: Vec::with_capacity(pairs),
            prompt_bias: Vec::with_capacity(pairs * prompt_width * prompt_width),
            completion_width,
            completion_ids: Vec::with_capacity(2 * pairs * completion_width),
            completion_bias: Vec::new(),
            target_width,
            predicting: Vec::with_capacity(2 * pairs * target_width),
            targets: Vec::with_capacity(2 * pairs * target_width),
            mask: Vec::with_capacity(2 * pairs * target_width),
            side_widths,
            concat_positions: 2 * pairs * concat_width,
        };
        for row in 0..pairs {
            layout.push_prompt(prompt_of(0, row));
        }
        for side in 0..2 {
            for row in 0..pairs {
                layout.push_completion(side * pairs + row, row, completion_of(side, row));
            }
        }
        Some(layout)
    }

    /// Positions the shared-prefix forward runs: `B` prompts and `2B` completion inputs.
    pub fn shared_positions(&self) -> usize {
        self.pairs * self.prompt_width + 2 * self.pairs * self.completion_width
    }

    fn push_prompt(&mut self, prompt: &[i64]) {
        let width = self.prompt_width;
        let padding = width - prompt.len();
        self.prompt_padding.push(padding);
        self.prompt_ids.extend(std::iter::repeat_n(0, padding));
        self.prompt_ids.extend_from_slice(prompt);
        for query in 0..width {
            self.prompt_bias.extend((0..width).map(|key| {
                let hidden = key > query || (key < padding && key != query);
                if hidden { f32::NEG_INFINITY } else { 0.0 }
            }));
        }
    }

    /// Row `row` of the completion batch: `completion` after the prompt of pair `pair`.
    fn push_completion(&mut self, row: usize, pair: usize, completion: &[i64]) {
        let (prompt_width, width) = (self.prompt_width, self.completion_width);
        let inputs = &completion[..completion.len().saturating_sub(1)];
        self.completion_ids.extend_from_slice(inputs);
        self.completion_ids
            .extend(std::iter::repeat_n(0, width - inputs.len()));
        let padding = self.prompt_padding[pair];
        for query in 0..width {
            self.completion_bias.extend((0..prompt_width).map(|key| {
                if key < padding {
                    f32::NEG_INFINITY
                } else {
                    0.0
                }
            }));
            self.completion_bias
                .extend((0..width).map(|key| if key > query { f32::NEG_INFINITY } else { 0.0 }));
        }
        for t in 0..self.target_width {
            let real = t < completion.len();
            let predicting = match t {
                _ if !real => 0,
                0 => pair,
                t => self.pairs + row * width + t - 1,
            };
            self.predicting.push(predicting as i64);
            self.targets.push(if real { completion[t] } else { 0 });
            self.mask.push(if real { 1.0 } else { 0.0 });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prefopt_core::burn::tensor::Device;

    const HIDDEN: f32 = f32::NEG_INFINITY;

    #[test]
    fn prompts_are_left_padded_and_completions_read_after_them() {
        let batch = PreferenceBatch::from_ids(
            &[vec![5, 6], vec![7]],
            &[vec![1, 2, 3], vec![4]],
            &[vec![8], vec![9, 10]],
            0,
            &Device::default(),
        )
        .unwrap();
        let layout = PairLayout::new(&batch, 16, 64).unwrap();
        assert_eq!((layout.pairs, layout.prompt_width), (2, 2));
        assert_eq!(layout.prompt_ids, [5, 6, 0, 7]);
        assert_eq!(layout.prompt_padding, [0, 1]);
        // Pair 0: causal. Pair 1: its padding key seen by the padding query alone.
        assert_eq!(
            layout.prompt_bias,
            [0.0, HIDDEN, 0.0, 0.0, 0.0, HIDDEN, HIDDEN, 0.0]
        );
        assert_eq!(layout.completion_width, 2);
        assert_eq!(layout.completion_ids, [1, 2, 0, 0, 0, 0, 9, 0]);
        // Row 3 (pair 1's rejected): the prompt's padding hidden, its own keys causal.
        let row3 = &layout.completion_bias[3 * 2 * 4..];
        assert_eq!(row3, [HIDDEN, 0.0, 0.0, HIDDEN, HIDDEN, 0.0, 0.0, 0.0]);
        assert_eq!(layout.target_width, 3);
        assert_eq!(layout.side_widths, [3, 2]);
        // Rows of [prompt last positions (2); completion positions (4 rows x 2)].
        assert_eq!(layout.predicting, [0, 2, 3, 1, 0, 0, 0, 0, 0, 1, 8, 0]);
        assert_eq!(layout.targets, [1, 2, 3, 4, 0, 0, 8, 0, 0, 9, 10, 0]);
        assert_eq!(
            layout.mask,
            [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0]
        );
        assert_eq!(
            (layout.shared_positions(), layout.concat_positions),
            (12, 16)
        );
    }

    #[test]
    fn different_prompts_and_overlong_pairs_have_no_layout() {
        let device = Device::default();
        let mut batch =
            PreferenceBatch::from_ids(&[vec![5, 6]], &[vec![1]], &[vec![2]], 0, &device).unwrap();
        assert!(PairLayout::new(&batch, 16, 2).is_some());
        assert!(
            PairLayout::new(&batch, 16, 1).is_none(),
            "2 prompt positions"
        );
        assert!(
            PairLayout::new(&batch, 6, 64).is_none(),
            "token 6 outside 6 ids"
        );
        batch.rejected =
            PreferenceBatch::from_ids(&[vec![5, 7]], &[vec![1]], &[vec![2]], 0, &device)
                .unwrap()
                .rejected;
        assert!(PairLayout::new(&batch, 16, 64).is_none());
    }
}
