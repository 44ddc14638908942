//! [`EncoderRewardModel`]: a transformer encoder with a scalar head, reading prompt and
//! completion as one sequence.

use crate::packing::Packed;
use crate::seeded::seeded_module;
use prefopt_core::burn;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::nn::transformer::{
    TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput,
};
use prefopt_core::burn::nn::{
    Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig,
};
use prefopt_core::burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use prefopt_core::{ConfigError, SequenceBatch};
use serde::{Deserialize, Serialize};

/// The architecture of an [`EncoderRewardModel`] (`[reward.network] kind = "encoder"`): a small
/// pre-norm transformer encoder (Vaswani et al. 2017, arXiv:1706.03762) over token and learned
/// position embeddings, sized by default for the tiny test vocabularies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EncoderRewardConfig {
    /// Token ids are below this; any other id is read as one shared unknown token.
    pub vocab_size: usize,
    /// Model width `d_model`.
    pub hidden_size: usize,
    /// Encoder layers.
    pub num_layers: usize,
    /// Attention heads (dividing `hidden_size`).
    pub num_heads: usize,
    /// Width of the position-wise feed-forward network.
    pub intermediate_size: usize,
    /// The longest sequence read; a longer one keeps its last `max_positions` tokens.
    pub max_positions: usize,
    /// The seed of the random initialization.
    pub seed: u64,
}

impl Default for EncoderRewardConfig {
    fn default() -> Self {
        Self {
            vocab_size: 64,
            hidden_size: 32,
            num_layers: 2,
            num_heads: 4,
            intermediate_size: 64,
            max_positions: 128,
            seed: 0,
        }
    }
}

impl EncoderRewardConfig {
    /// Refuses sizes that do not fit together; `field` is where the config sits.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        for (name, value) in [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("num_layers", self.num_layers),
            ("num_heads", self.num_heads),
            ("intermediate_size", self.intermediate_size),
            ("max_positions", self.max_positions),
        ] {
            if value == 0 {
                return Err(ConfigError::new(
                    format!("{field}.{name}"),
                    "must be at least 1",
                ));
            }
        }
        if !self.hidden_size.is_multiple_of(self.num_heads) {
            return Err(ConfigError::new(
                format!("{field}.num_heads"),
                format!(
                    "{} must divide hidden_size = {}",
                    self.num_heads, self.hidden_size
                ),
            ));
        }
        Ok(())
    }

    /// A randomly initialized model on `device`, drawn right after seeding the device with
    /// `seed`.
    pub fn init(&self, device: &Device) -> EncoderRewardModel {
        seeded_module(device, self.seed, || EncoderRewardModel {
            tokens: EmbeddingConfig::new(self.vocab_size + 1, self.hidden_size).init(device),
            positions: EmbeddingConfig::new(self.max_positions, self.hidden_size).init(device),
            encoder: TransformerEncoderConfig::new(
                self.hidden_size,
                self.intermediate_size,
                self.num_heads,
                self.num_layers,
            )
            .with_dropout(0.0)
            .with_norm_first(true)
            .init(device),
            norm: LayerNormConfig::new(self.hidden_size).init(device),
            head: LinearConfig::new(self.hidden_size, 1).init(device),
            vocab_size: self.vocab_size,
            max_positions: self.max_positions,
        })
    }
}

/// `r(x, y)`: a transformer encoder over the prompt followed by the completion, the mean of its
/// final (layer-normed) states over the real tokens, and a linear head to a scalar. The encoder
/// reward model of the RLHF pipeline (Ouyang et al. 2022, arXiv:2203.02155, §3.5; the seed's
/// relevance example), trained under Bradley–Terry.
///
/// The token embedding has one row more than the vocabulary: every id outside it reads that
/// row (an unknown token), so a policy with a larger vocabulary can still be scored.
#[derive(Module, Debug)]
pub struct EncoderRewardModel {
    /// Token embedding `[vocab_size + 1, hidden]` (the last row: unknown ids).
    pub tokens: Embedding,
    /// Learned position embedding `[max_positions, hidden]`.
    pub positions: Embedding,
    /// The encoder layers (pre-norm, no dropout).
    pub encoder: TransformerEncoder,
    /// The final layer norm.
    pub norm: LayerNorm,
    /// `[hidden, 1]`.
    pub head: Linear,
    /// The vocabulary size (ids at or above it are unknown).
    pub vocab_size: usize,
    /// The longest sequence read.
    pub max_positions: usize,
}

impl EncoderRewardModel {
    /// The reward of each (prompt, completion) row of `batch`.
    ///
    /// # Shapes
    /// `batch` of `rows` sequences; returns `[rows]` on the batch's device.
    pub fn score(&self, batch: &SequenceBatch) -> Tensor<1> {
        let device = self.head.weight.device();
        let vocab = self.vocab_size as i64;
        let packed = Packed::new(batch, false, Some(self.max_positions), vocab, |id| {
            if (0..vocab).contains(&id) { id } else { vocab }
        });
        let (rows, width) = (packed.rows, packed.width);
        let ids = packed.tensor(&device);
        let positions: Vec<i64> = (0..rows).flat_map(|_| 0..width as i64).collect();
        let positions =
            Tensor::<2, Int>::from_data(TensorData::new(positions, [rows, width]), &device);
        let padding: Vec<bool> = packed
            .lengths
            .iter()
            .flat_map(|&length| (0..width).map(move |column| column >= length))
            .collect();
        let padding =
            Tensor::<2, Bool>::from_data(TensorData::new(padding, [rows, width]), &device);
        let real: Vec<f32> = packed
            .lengths
            .iter()
            .flat_map(|&length| (0..width).map(move |column| f32::from(u8::from(column < length))))
            .collect();
        let real = Tensor::<2>::from_data(TensorData::new(real, [rows, width]), &device);
        let x = self.tokens.forward(ids) + self.positions.forward(positions);
        let states = self.norm.forward(
            self.encoder
                .forward(TransformerEncoderInput::new(x).mask_pad(padding)),
        );
        let counts = real.clone().sum_dim(1).clamp_min(1.0);
        let pooled = (states * real.unsqueeze_dim::<3>(2))
            .sum_dim(1)
            .squeeze_dim::<2>(1)
            / counts;
        self.head
            .forward(pooled)
            .squeeze_dim::<1>(1)
            .to_device(&batch.completions.device())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(prompts: &[Vec<u32>], completions: &[Vec<u32>], device: &Device) -> SequenceBatch {
        SequenceBatch::from_ids(prompts, completions, 0, device).unwrap()
    }

    #[test]
    fn padding_and_batch_company_do_not_change_a_score() {
        let device = Device::default();
        let model = EncoderRewardConfig::default().init(&device);
        let alone: Vec<f32> = model
            .score(&batch(&[vec![5, 6]], &[vec![7]], &device))
            .into_data()
            .try_into_vec()
            .unwrap();
        let together: Vec<f32> = model
            .score(&batch(
                &[vec![5, 6], vec![9, 9, 9, 9]],
                &[vec![7], vec![1, 2, 3, 4, 5]],
                &device,
            ))
            .into_data()
            .try_into_vec()
            .unwrap();
        assert!(
            (alone[0] - together[0]).abs() < 1e-5,
            "{alone:?} {together:?}"
        );
        assert!(together.iter().all(|s| s.is_finite()));
    }

    #[test]
    fn unknown_ids_share_a_row() {
        let device = Device::default();
        let model = EncoderRewardConfig::default().init(&device);
        let scores: Vec<f32> = model
            .score(&batch(
                &[vec![5], vec![5]],
                &[vec![64], vec![1000]],
                &device,
            ))
            .into_data()
            .try_into_vec()
            .unwrap();
        assert_eq!(scores[0], scores[1]);
        assert_eq!(
            EncoderRewardConfig {
                num_heads: 5,
                ..EncoderRewardConfig::default()
            }
            .validate("reward.network")
            .unwrap_err()
            .field,
            "reward.network.num_heads"
        );
    }
}
