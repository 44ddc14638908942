//! Reward models over token sequences (the `RewardModel` role for language models): a
//! transformer encoder with a scalar head ([`EncoderRewardModel`]) and a scalar head on a
//! causal-LM trunk ([`CausalLmRewardModel`]), as one trainable type ([`RewardNetwork`]) chosen by
//! [`RewardNetworkConfig`] and saved with its [`RewardArchitecture`].

mod causal_lm_head;
mod encoder;
mod network;

pub use causal_lm_head::CausalLmRewardModel;
pub use encoder::{EncoderRewardConfig, EncoderRewardModel};
pub use network::{RewardArchitecture, RewardNetwork, RewardNetworkConfig};
