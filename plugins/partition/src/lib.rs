//! # prefopt-partition — explicit partition-function normalization
//!
//! For an output space that can be enumerated, the KL-regularized RLHF optimum is known in closed
//! form: `pi*(y|x) = pi_ref(y|x) exp(r(x,y)/beta) / Z(x)` with
//! `log Z(x) = logsumexp_y(log pi_ref(y|x) + r(x,y)/beta)` (Rafailov et al. 2023,
//! arXiv:2305.18290, eq. 4). This crate computes it ([`closed_form`]), measures any policy against
//! it ([`metrics`]), and registers the `exact` algorithm that writes pi* for a task. Where the
//! outputs are token sequences, too many to enumerate, [`monte_carlo`] estimates `log Z(x)` from
//! reference samples and [`sampled_kl`] a policy's KL to pi_ref and to pi* from its own samples,
//! each with a standard error.

pub mod closed_form;
pub mod exact;
pub mod metrics;
pub mod monte_carlo;
pub mod sampled_kl;

pub use exact::Exact;
pub use metrics::{OptimalPolicy, compare};
pub use monte_carlo::{Estimate, LogPartitionEstimate, log_partition_estimate};
pub use sampled_kl::{PolicySample, kl_to_optimal, kl_to_reference};
