//! # prefopt-ppo — the RLHF baseline
//!
//! The first road to `max_pi E[r(x, y)] - beta KL(pi || pi_ref)` (Ziegler et al. 2019,
//! arXiv:1909.08593; Ouyang et al. 2022, arXiv:2203.02155): learn a reward model, then optimize
//! the policy against it by reinforcement learning. prefopt measures it against the same
//! closed-form optimum `pi* = pi_ref exp(r / beta) / Z` as DPO, on tasks whose outputs can be
//! enumerated.
//!
//! | kind | name | what |
//! |---|---|---|
//! | reward | `ground_truth` ([`GroundTruth`]) | the task's true reward |
//! | reward | `learned` ([`Learned`]) | Bradley–Terry fit to the task's pairs |
//! | reward | `saved` ([`Saved`]) | a `reward_model` run's output |
//! | algorithm | `reward_model` ([`RewardModelTrainer`]) | trains and writes a reward model |
//! | algorithm | `ppo` ([`Ppo`]) | PPO, KL in the reward, critic, GAE |
//! | algorithm | `grpo` ([`Grpo`]) | group-normalized advantages, KL in the loss |
//! | algorithm | `rloo` ([`Rloo`]) | leave-one-out baseline, KL in the reward |
//!
//! The three RL algorithms share [`rollout`] (population or sampled completions, per-token
//! behaviour and reference log-probs), [`update`] (clipped surrogate, value loss, minibatch
//! passes) and the loop of [`onpolicy`] (logging, evaluation against pi*, checkpoints).

pub mod checkpoint;
pub mod critic;
pub mod fixed_points;
pub mod gae;
pub mod groups;
pub mod grpo;
pub mod kl;
pub mod kl_control;
pub mod onpolicy;
pub mod onpolicy_check;
pub mod onpolicy_metrics;
pub mod ppo;
pub mod reward;
pub mod rloo;
pub mod rollout;
pub mod sampled_eval;
pub mod update;
pub mod validate;
pub mod whiten;

pub use critic::{CriticKind, CriticModel, ValueTable};
pub use grpo::{Grpo, KlPlacement, ScaleRewards};
pub use kl::KlEstimator;
pub use kl_control::{AdaptiveKl, KlController};
pub use ppo::Ppo;
pub use reward::{GroundTruth, Learned, RewardModelTrainer, RewardTable, Saved};
pub use rloo::Rloo;
pub use rollout::{Rollout, RolloutMode};
