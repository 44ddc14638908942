//! # prefopt-reference-free — objectives without a reference model
//!
//! SimPO, CPO and ORPO score the policy's own log-probs, so training needs no frozen reference
//! (each declares `needs_reference() == false`, and the trainer skips it). They share the
//! logistic loss of the DPO family (`prefopt_dpo::logistic`) and the supervised term of `sft`.

pub mod cpo;
pub mod orpo;
pub mod scores;
pub mod simpo;

pub use cpo::Cpo;
pub use orpo::Orpo;
pub use simpo::Simpo;

#[cfg(test)]
pub(crate) mod testing;
