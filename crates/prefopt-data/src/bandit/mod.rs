//! A contextual bandit with a known answer: contexts x, actions y, a seeded true reward table
//! r(x, y), a reference policy pi_ref, and preference pairs drawn under Bradley–Terry.

mod config;
pub mod memory;
mod pairs;
mod task;

pub use config::{BanditConfig, MAX_REWARD_SCALE, PairsMode, ReferenceKind};
pub use pairs::{Pair, population_pairs, sample_pairs};
pub use task::{Bandit, TableReward};
