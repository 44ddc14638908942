//! # The partition function, drawn
//!
//! A two-output toy policy over a one-dimensional context `x` in `[-6, 6]` shows what the
//! partition function of the KL-regularized RLHF optimum does (Rafailov et al. 2023,
//! arXiv:2305.18290, eq. 4):
//!
//! `pi*(y|x) = pi_ref(y|x) exp(r(x,y)/beta) / Z(x)`, `Z(x) = sum_y pi_ref(y|x) exp(r(x,y)/beta)`.
//!
//! - The reference policy is `pi_ref(y=1|x) = sigmoid(x)`, `pi_ref(y=0|x) = 1 - sigmoid(x)`.
//! - The rewards are chosen so that `exp(r(x,y)/beta)` is a known positive scale: for `y = 0` the
//!   even function [`symmetric_scale`] `f0(x) = 2 exp(-x^2/8)`, for `y = 1` the Gaussian bump
//!   [`bump_scale`] `f1(x) = 3 exp(-(x-2)^2/2)`; that is `r(x,y) = beta ln f_y(x)`.
//! - Scaling each output by its `f_y` leaves curves that no longer sum to 1; their sum is `Z(x)`.
//!   Dividing by `Z(x)` gives `pi*`, which sums to 1 at every `x`.
//!
//! The formulas are those of `prefopt_partition::closed_form` (log space throughout); this crate
//! only tabulates them ([`table`]), draws them ([`charts`]) and writes the figure and a CSV
//! ([`run`]).

pub mod figure;
pub mod model;
pub mod output;

pub use figure::charts;
pub use model::{
    BETA, Row, X_MAX, X_MIN, X_POINTS, bump_scale, grid, reference_log_policy, rewards, row,
    sigmoid, symmetric_scale, table,
};
pub use output::{CSV_HEADER, ExampleError, FIGURE_STEM, run, write_csv};
