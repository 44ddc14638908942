//! # prefopt-partition — explicit partition-function normalization
//!
//! For an output space that can be enumerated, the KL-regularized RLHF optimum is known in closed
//! form: `pi*(y|x) = pi_ref(y|x) exp(r(x,y)/beta) / Z(x)` with
//! `log Z(x) = logsumexp_y(log pi_ref(y|x) + r(x,y)/beta)` (Rafailov et al. 2023,
//! arXiv:2305.18290, eq. 4). This crate computes it ([`closed_form`]), measures any policy against
//! it ([`metrics`]), and registers the `exact` algorithm that writes pi* for a task.

pub mod closed_form;
pub mod exact;
pub mod metrics;

pub use exact::Exact;
pub use metrics::{OptimalPolicy, compare};
