//! A prompt task for language models with a programmatic reward: seeded token-id prompts, and
//! the reward of a completion is the fraction of its tokens that fall in a given set. The true
//! reward is known, so on-policy algorithms (PPO, GRPO, RLOO) can be checked against it, and
//! the task gives seeded preference pairs labelled by it for reward models.

mod config;
mod pairs;
mod reward;
mod task;

pub use config::TokenRewardConfig;
pub use pairs::{TokenPair, draw_pairs};
pub use reward::TokenSetReward;
pub use task::TokenRewardTask;
