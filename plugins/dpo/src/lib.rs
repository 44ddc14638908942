//! # prefopt-dpo — DPO and its offline pairwise family
//!
//! Every pairwise loss of TRL's `DPOTrainer`, each its own objective under TRL's name, one file
//! each: a config struct with the paper's (or TRL's) defaults and a `PreferenceObjective` impl
//! registered with `#[plugin]`.
//!
//! | name | objective | paper |
//! |---|---|---|
//! | `sigmoid` (alias `dpo`) | [`Sigmoid`], [`Dpo`] | arXiv:2305.18290 |
//! | `hinge` | [`Hinge`] | arXiv:2305.10425 |
//! | `ipo` | [`Ipo`] | arXiv:2310.12036 |
//! | `exo_pair` | [`ExoPair`] | arXiv:2402.00856 |
//! | `nca_pair` | [`NcaPair`] | arXiv:2402.05369 |
//! | `robust` | [`Robust`] | arXiv:2403.00409 |
//! | `bco_pair` | [`BcoPair`] | arXiv:2404.04656 |
//! | `sppo_hard` | [`SppoHard`] | arXiv:2405.00675 |
//! | `aot`, `aot_unpaired` | [`Aot`], [`AotUnpaired`] | arXiv:2406.05882 |
//! | `apo_zero`, `apo_down` | [`ApoZero`], [`ApoDown`] | arXiv:2408.06266 |
//! | `discopop` | [`Discopop`] | arXiv:2406.08414 |
//! | `sft` | [`Sft`] | arXiv:2411.10442 |
//! | `sigmoid_norm` | [`SigmoidNorm`] | arXiv:2411.15124 |
//! | `weighted` | [`Weighted`]: a weighted sum of objectives | arXiv:2411.10442 |
//! | `trl` | [`Trl`]: TRL's own settings, [translated](trl::translate) | — |
//!
//! Shared pieces: [`divergence`] (the f-divergence score stage), [`scores`] (log-ratios, per-token
//! normalization, AOT's sorting), [`logistic`] (the log-space logistic loss), [`defaults`],
//! and [`vectors`] (test vectors from TRL and their evaluation).

pub mod aot;
pub mod aot_unpaired;
pub mod apo_down;
pub mod apo_zero;
pub mod bco_pair;
pub mod checks;
pub mod defaults;
pub mod discopop;
pub mod divergence;
pub mod exo_pair;
pub mod hinge;
pub mod ipo;
pub mod logistic;
pub mod nca_pair;
pub mod robust;
pub mod scores;
pub mod sft;
pub mod sigmoid;
pub mod sigmoid_norm;
pub mod sppo_hard;
#[cfg(test)]
mod testing;
pub mod trl;
pub mod vectors;
pub mod weighted;

pub use aot::Aot;
pub use aot_unpaired::AotUnpaired;
pub use apo_down::ApoDown;
pub use apo_zero::ApoZero;
pub use bco_pair::{BcoPair, RewardShift};
pub use discopop::Discopop;
pub use divergence::{FDivergence, FDivergenceType};
pub use exo_pair::ExoPair;
pub use hinge::Hinge;
pub use ipo::Ipo;
pub use nca_pair::NcaPair;
pub use robust::Robust;
pub use sft::Sft;
pub use sigmoid::{Dpo, Sigmoid};
pub use sigmoid_norm::SigmoidNorm;
pub use sppo_hard::SppoHard;
pub use trl::{Trl, TrlSettings};
pub use weighted::{Weighted, WeightedTerm};
