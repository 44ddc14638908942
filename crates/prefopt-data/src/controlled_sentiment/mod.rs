//! Controlled sentiment generation, the DPO paper's first experiment (Rafailov et al. 2023,
//! section 6.1), on text reachable offline: prompts are prefixes of movie-review sentences (Pang
//! & Lee's reviews, VADER's movie-review snippets), the true reward is VADER's compound
//! sentiment score of the completion (Hutto & Gilbert 2014), and the preference pairs are two
//! samples of pi_ref per prompt ordered by it, or the corpus's own continuations (the data pi_ref
//! is trained on with the `sft` objective).

mod config;
mod corpus;
mod pairs;
mod reward;
mod task;
mod vader;
mod vader_rules;
mod vader_words;

pub use config::{ControlledSentimentConfig, PairSource, Preference, Scored};
pub use corpus::{CorpusFile, CorpusFormat, read_corpus};
pub use pairs::{Example, SampledPairs, bradley_terry, corpus_pairs, sample_pairs};
pub use reward::VaderReward;
pub use task::ControlledSentimentTask;
pub use vader::Vader;
