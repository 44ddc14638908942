//! Reward networks over token sequences as one type: their configs, the trained module, and the
//! files a trained one is saved in.

use super::causal_lm_head::CausalLmRewardModel;
use super::encoder::{EncoderRewardConfig, EncoderRewardModel};
use crate::causal_lm::{CausalLm, CausalLmConfig};
use crate::checkpoint::load_module;
use crate::trunk::TrunkConfig;
use prefopt_core::burn;
use prefopt_core::burn::module::Module;
use prefopt_core::burn::tensor::{Device, Tensor};
use prefopt_core::fs::write_atomic;
use prefopt_core::{ConfigError, PrefoptError, RewardModel, SequenceBatch};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Which reward network to train on a task over token sequences (`[reward.network]`, or
/// `[algorithm.network]` of the `reward_model` trainer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RewardNetworkConfig {
    /// A transformer encoder with a scalar head ([`EncoderRewardModel`]).
    Encoder(EncoderRewardConfig),
    /// A scalar head on a causal-LM trunk ([`CausalLmRewardModel`]), from a model file or
    /// randomly initialized.
    CausalLm(TrunkConfig),
}

impl Default for RewardNetworkConfig {
    /// The small encoder.
    fn default() -> Self {
        RewardNetworkConfig::Encoder(EncoderRewardConfig::default())
    }
}

impl RewardNetworkConfig {
    /// Refuses sizes that do not fit together, naming the field under `field`.
    pub fn validate(&self, field: &str) -> Result<(), ConfigError> {
        match self {
            RewardNetworkConfig::Encoder(config) => config.validate(field),
            RewardNetworkConfig::CausalLm(config) => config.validate(field),
        }
    }

    /// A fresh network on `device` and the architecture it is saved with.
    pub fn init(
        &self,
        device: &Device,
    ) -> Result<(RewardNetwork, RewardArchitecture), PrefoptError> {
        match self {
            RewardNetworkConfig::Encoder(config) => Ok((
                RewardNetwork::Encoder(config.init(device)),
                RewardArchitecture::Encoder(config.clone()),
            )),
            RewardNetworkConfig::CausalLm(trunk) => {
                let (model, architecture) = trunk.build(device)?;
                device.seed(trunk.seed ^ HEAD_SEED_STREAM);
                Ok((
                    RewardNetwork::CausalLm(CausalLmRewardModel::new(model, device)),
                    RewardArchitecture::CausalLm(architecture),
                ))
            }
        }
    }
}

/// Mixed into a trunk's seed for its head's draw.
const HEAD_SEED_STREAM: u64 = 0x4845_4144_5f52_4557;

/// What a saved reward network is rebuilt from before its weights are loaded:
/// `{"kind": "encoder", ...}` or `{"kind": "causal_lm", ...}` in `reward_model.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RewardArchitecture {
    /// An encoder of this size.
    Encoder(EncoderRewardConfig),
    /// A causal-LM trunk of this architecture.
    CausalLm(CausalLmConfig),
}

impl RewardArchitecture {
    /// A network of this architecture (random weights, to be overwritten by a load).
    pub fn init(&self, device: &Device) -> RewardNetwork {
        match self {
            RewardArchitecture::Encoder(config) => RewardNetwork::Encoder(config.init(device)),
            RewardArchitecture::CausalLm(config) => RewardNetwork::CausalLm(
                CausalLmRewardModel::new(CausalLm::init(config, device), device),
            ),
        }
    }

    /// `encoder` or `causal_lm`.
    pub fn kind(&self) -> &'static str {
        match self {
            RewardArchitecture::Encoder(_) => "encoder",
            RewardArchitecture::CausalLm(_) => "causal_lm",
        }
    }
}

/// A reward network over token sequences, trainable (on an autodiff device) or frozen; as a
/// [`RewardModel`] its scores are constants only on a plain device (`Module::valid`).
// One network exists per run: the variants' size difference (module handles) is immaterial,
// and burn's `Module` derive takes the modules themselves as variants.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum RewardNetwork {
    /// See [`EncoderRewardModel`].
    Encoder(EncoderRewardModel),
    /// See [`CausalLmRewardModel`].
    CausalLm(CausalLmRewardModel),
}

impl RewardNetwork {
    /// The reward of each (prompt, completion) row.
    ///
    /// # Shapes
    /// `batch` of `rows` sequences; returns `[rows]`.
    pub fn forward(&self, batch: &SequenceBatch) -> Tensor<1> {
        match self {
            RewardNetwork::Encoder(model) => model.score(batch),
            RewardNetwork::CausalLm(model) => model.score(batch),
        }
    }

    /// Writes the parameters (a burnpack file) to `path`, atomically (temporary file, then
    /// rename).
    pub fn save(&self, path: &Path) -> Result<(), PrefoptError> {
        let bytes = self.clone().into_record().into_bytes().map_err(|error| {
            PrefoptError::Model(format!(
                "{}: serializing the reward model: {error:?}",
                path.display()
            ))
        })?;
        write_atomic(path, &bytes)
    }

    /// A network of `architecture` with the parameters of the burnpack file at `path`.
    pub fn load(
        architecture: &RewardArchitecture,
        path: &Path,
        device: &Device,
    ) -> Result<Self, PrefoptError> {
        load_module(&architecture.init(device), path)
    }
}

impl RewardModel for RewardNetwork {
    fn score(&self, batch: &SequenceBatch) -> Tensor<1> {
        self.forward(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_read_their_kind() {
        let encoder: RewardNetworkConfig =
            toml::from_str("kind = \"encoder\"\nvocab_size = 261\nhidden_size = 16").unwrap();
        assert_eq!(
            encoder,
            RewardNetworkConfig::Encoder(EncoderRewardConfig {
                vocab_size: 261,
                hidden_size: 16,
                ..EncoderRewardConfig::default()
            })
        );
        let lm: RewardNetworkConfig = toml::from_str("kind = \"causal_lm\"\ntiny = true").unwrap();
        assert_eq!(lm, RewardNetworkConfig::CausalLm(TrunkConfig::default()));
        let error = toml::from_str::<RewardNetworkConfig>("kind = \"encoder\"\nwidth = 3")
            .unwrap_err()
            .to_string();
        assert!(error.contains("width"), "{error}");
    }

    #[test]
    fn saved_weights_load_into_the_same_scores() {
        let device = Device::default();
        let dir = tempfile::tempdir().unwrap();
        let batch =
            SequenceBatch::from_ids(&[vec![4, 5], vec![6]], &[vec![7], vec![8, 9]], 0, &device)
                .unwrap();
        for config in [
            RewardNetworkConfig::default(),
            RewardNetworkConfig::CausalLm(TrunkConfig::default()),
        ] {
            let (network, architecture) = config.init(&device).unwrap();
            let path = dir.path().join(format!("{}.bpk", architecture.kind()));
            network.save(&path).unwrap();
            let loaded = RewardNetwork::load(&architecture, &path, &device).unwrap();
            let before: Vec<f32> = network.score(&batch).into_data().try_into_vec().unwrap();
            let after: Vec<f32> = loaded.score(&batch).into_data().try_into_vec().unwrap();
            assert_eq!(before, after, "{}", architecture.kind());
        }
    }
}
