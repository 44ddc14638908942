//! # prefopt-models
//!
//! burn modules that play the policy and reference roles. So far: the tabular softmax policy
//! ([`tabular`]) for tasks whose outputs can be enumerated.

pub mod tabular;

pub use tabular::{FrozenTable, TabularInit, TabularPolicy, TabularPolicyConfig};
