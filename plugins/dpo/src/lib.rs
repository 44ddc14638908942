//! # prefopt-dpo — DPO and its offline pairwise family
//!
//! Each objective is one file: a config struct with the paper's defaults and a
//! `PreferenceObjective` impl registered with `#[plugin]`. Shared pieces: [`scores`] (the
//! log-ratios an objective scores) and [`defaults`].

pub mod defaults;
pub mod ipo;
pub mod scores;
pub mod sigmoid;

pub use ipo::Ipo;
pub use sigmoid::Dpo;
