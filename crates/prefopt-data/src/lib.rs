//! # prefopt-data
//!
//! Preference data for prefopt. So far: the contextual bandit with a known answer ([`bandit`]),
//! where every objective can be checked against the closed-form optimum, readers for
//! preference data files in TRL's and LLaMA-Factory's formats ([`preference_file`]), the
//! `preference_file` task that tokenizes them with the policy's tokenizer ([`preference_task`]), and
//! a prompt task for language models with a programmatic reward ([`token_reward`]), and
//! controlled sentiment generation on movie-review text with VADER as the true reward
//! ([`controlled_sentiment`]).

pub mod bandit;
pub mod controlled_sentiment;
pub mod preference_file;
pub mod preference_task;
pub mod token_reward;

pub use bandit::{Bandit, BanditConfig, PairsMode, ReferenceKind};
pub use controlled_sentiment::{
    ControlledSentimentConfig, ControlledSentimentTask, Vader, VaderReward,
};
pub use preference_file::{
    Completion, Content, PreferenceFileError, PreferenceFormat, PreferenceRecord, Prompt,
    UnpairedFormat, UnpairedRecord, read_preference_file, read_unpaired_file,
};
pub use preference_task::{PreferenceFileConfig, PreferenceFileTask};
pub use token_reward::{TokenRewardConfig, TokenRewardTask, TokenSetReward};
