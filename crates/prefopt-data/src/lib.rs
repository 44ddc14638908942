//! # prefopt-data
//!
//! Preference data for prefopt. So far: the contextual bandit with a known answer ([`bandit`]),
//! where every objective can be checked against the closed-form optimum, and readers for
//! preference data files in TRL's and LLaMA-Factory's formats ([`preference_file`]).

pub mod bandit;
pub mod preference_file;

pub use bandit::{Bandit, BanditConfig, PairsMode, ReferenceKind};
pub use preference_file::{
    Completion, Content, PreferenceFileError, PreferenceFormat, PreferenceRecord, Prompt,
    UnpairedFormat, UnpairedRecord, read_preference_file, read_unpaired_file,
};
