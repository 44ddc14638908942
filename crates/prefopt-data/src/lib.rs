//! # prefopt-data
//!
//! Preference data for prefopt. So far: the contextual bandit with a known answer ([`bandit`]),
//! where every objective can be checked against the closed-form optimum.

pub mod bandit;

pub use bandit::{Bandit, BanditConfig, PairsMode, ReferenceKind};
