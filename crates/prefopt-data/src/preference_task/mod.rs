//! The `preference_file` task (`[task] type = "preference_file"`): a preference file in TRL's or
//! LLaMA-Factory's formats ([`crate::preference_file`]), tokenized with the policy's tokenizer
//! as TRL's DPO and KTO trainers tokenize (chat template for conversations, EOS after text
//! completions, the prompt truncated from the left and completions from the right), split into
//! training and held-out examples, and collated into [`prefopt_core::TaskBatch`]es by position.

mod config;
mod encode;
mod examples;
mod limit;
mod reading;
mod render;
mod split;
mod stats;
mod task;
mod truncate;

pub use config::PreferenceFileConfig;
pub use encode::{Encoded, encode};
pub use examples::{TokenizeCounts, TokenizedPair, TokenizedUnpaired};
pub use limit::TokenLimit;
pub use render::{Rendered, render};
pub use split::split_positions;
pub use stats::LengthStats;
pub use task::{PreferenceFileTask, PreparationReport, TaskData};
pub use truncate::{DEFAULT_MAX_LENGTH, DEFAULT_MAX_PROMPT_LENGTH, NoRoom, Truncation};
