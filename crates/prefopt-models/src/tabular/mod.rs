//! The tabular softmax policy: one free logit per (context, output).

mod config;
mod frozen;
mod policy;

pub use config::{TabularInit, TabularPolicyConfig};
pub use frozen::FrozenTable;
pub use policy::TabularPolicy;
