//! # prefopt-kto — KTO on unpaired data
//!
//! KTO (Ethayarajh et al. 2024, arXiv:2402.01306) learns from single completions labelled
//! desirable or undesirable, against a KL baseline from mismatched (prompt, completion) pairs.
//! It declares `DataKind::Unpaired`: the trainer unpairs preference data (chosen completions
//! desirable, rejected undesirable) and adds the mismatched pairs.

pub mod kto;

pub use kto::Kto;
