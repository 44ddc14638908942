//! Preference files, tasks and the controlled-sentiment corpus: one test binary.

mod common;

mod controlled_sentiment;
mod controlled_sentiment_corpus;
mod llamafactory_task;
mod preference_files;
mod preference_task;
mod preference_task_bad_input;
mod preference_task_splits;
mod vader_reference;
