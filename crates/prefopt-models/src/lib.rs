//! # prefopt-models
//!
//! burn modules that play the policy and reference roles: the tabular softmax policy
//! ([`tabular`]) for tasks whose outputs can be enumerated, and a Llama-family causal language
//! model ([`causal_lm`]) loaded from GGUF files. [`assets`] locates the real model files.

pub mod assets;
pub mod causal_lm;
pub mod checkpoint;
pub mod sampling;
pub mod tabular;

pub use causal_lm::{CausalLm, CausalLmConfig, CausalLmPolicy, CausalLmPolicyConfig};

pub use tabular::{FrozenTable, TabularInit, TabularPolicy, TabularPolicyConfig};
