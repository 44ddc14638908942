//! The update shared by PPO, GRPO and RLOO: an algorithm turns a rollout into an
//! [`UpdatePlan`] (advantages, aggregation, extra terms); [`update`] runs it.

mod loss;
mod plan;
mod step;

pub use loss::{LOG_RATIO_LIMIT, clipped_surrogate, clipped_value_loss};
pub use plan::{
    Advantages, Aggregation, LossType, UpdatePlan, ValueTargets, sequence_coefficients,
    token_coefficients,
};
pub use step::{Critic, UpdateStats, update};
