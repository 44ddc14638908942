//! # prefopt-models
//!
//! burn modules that play the policy and reference roles: the tabular softmax policy
//! ([`tabular`]) for tasks whose outputs can be enumerated, and a Llama-family causal language
//! model ([`causal_lm`]) loaded from GGUF files; the critic of PPO on language models
//! ([`value_model`]) and reward models over token sequences ([`reward_model`]). [`assets`]
//! locates the real model files.

pub mod assets;
pub mod bench;
pub mod causal_lm;
pub mod checkpoint;
pub mod optimizer_step;
pub mod packing;
pub mod reward_model;
pub mod sampling;
pub mod seeded;
pub mod tabular;
pub mod trunk;
pub mod value_model;

pub use causal_lm::{CausalLm, CausalLmConfig, CausalLmPolicy, CausalLmPolicyConfig};

pub use tabular::{FrozenTable, TabularInit, TabularPolicy, TabularPolicyConfig};
pub use trunk::TrunkConfig;
pub use value_model::ValueModel;
