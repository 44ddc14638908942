//! Training building blocks: optimizer and sampled evaluation: one test binary. The reference-cache
//! test is its own target because it sets an environment variable.

mod offline_sampled_eval;
mod optimizer;
mod sampled_eval_tiny_lm;
