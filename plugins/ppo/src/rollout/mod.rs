//! Rollouts shared by PPO, GRPO and RLOO: a step's completions, with per-token behaviour and
//! reference log-probs and the reward model's scores.
//!
//! On tasks whose outputs can be enumerated the default is the population
//! ([`population_rollout`]): every output of every context, weighted by the behaviour policy,
//! so that each update is an exact expectation. Otherwise ([`sampled_rollout`]) completions are
//! drawn from the policy: from its table, or generated token by token through
//! [`Policy::generate`](prefopt_core::Policy::generate) for language models.

mod batch;
mod collect;
mod mode;

pub use batch::Rollout;
pub use collect::{check_finite, host_values, population_rollout, sampled_rollout};
pub use mode::RolloutMode;
