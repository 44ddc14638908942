//! Reward models (`[reward] type = "..."`) and the reward-model trainer
//! (`[algorithm] type = "reward_model"`).
//!
//! | `[reward]` | what |
//! |---|---|
//! | `ground_truth` ([`GroundTruth`]) | the task's true reward |
//! | `learned` ([`Learned`]) | fitted to the task's preference pairs under Bradley–Terry before the run (a table, or a network over token sequences) |
//! | `saved` ([`Saved`]) | written by an earlier `reward_model` run |

pub mod bradley_terry;
pub mod fit_metrics;
mod ground_truth;
mod learned;
pub mod network_file;
pub mod network_fit;
mod saved;
mod table;
mod trainer;
mod validate;

pub use bradley_terry::{
    FitSettings, PairSet, bradley_terry_loss, fit_reward_table, order_agreement,
};
pub use ground_truth::GroundTruth;
pub use learned::{Learned, NETWORK_LR, TABLE_LR};
pub use network_file::NETWORK_WEIGHTS_FILE;
pub use network_fit::fit_reward_network;
pub use saved::Saved;
pub use table::{REWARD_MODEL_FILE, RewardTable};
pub use trainer::RewardModelTrainer;
