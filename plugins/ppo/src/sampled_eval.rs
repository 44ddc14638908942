//! Measuring a language-model policy on a prompt task by sampling: `reward/true`, and
//! `kl/reference` and `kl/optimal` with their standard errors. The evaluation lives in
//! [`prefopt_train::sampled_eval`], shared with the offline trainer; this module re-exports it.

pub use prefopt_train::sampled_eval::{
    SampledAnswer, SampledEvalSize, check_unbiased_sampling, sampling_options,
};
