//! Rollouts, reward networks and the points PPO, GRPO and RLOO come to rest at: one test binary.

mod common;

mod rest_points;
mod reward_networks;
mod rollouts;
