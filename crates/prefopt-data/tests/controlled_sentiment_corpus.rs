//! The `controlled_sentiment` task on the fetched corpus (Pang & Lee's reviews and VADER's
//! snippets, `scripts/fetch-assets sentiment`), with a tokenizer trained on it.

use prefopt_core::{Split, TaskConfig, TaskInputs, TextTokenizer};
use prefopt_data::controlled_sentiment::{ControlledSentimentConfig, PairSource};
use prefopt_tokenizer::{BpeTraining, Tokenizer};
use std::sync::Arc;

#[test]
fn the_fetched_corpus_gives_review_prompts_and_scored_continuations() {
    let config = ControlledSentimentConfig {
        pairs: PairSource::Corpus,
        prompts: 2000,
        ..ControlledSentimentConfig::default()
    };
    let documents = match config.corpus_texts() {
        Ok(documents) => documents.unwrap(),
        Err(error) => panic!("{error}"),
    };
    // 48,659 sentences of the 1,500 reviews (one per line) and 10,605 snippets.
    assert_eq!(documents.len(), 48_659 + 10_605);
    assert!(documents.iter().all(|d| d == &d.to_lowercase()));
    let options = BpeTraining {
        vocab_size: 2048,
        ..BpeTraining::default()
    };
    let tokenizer = Tokenizer::train_bpe(documents.iter(), &options).unwrap();
    let tokenizer: Arc<dyn TextTokenizer> = Arc::new(tokenizer);
    let task = config
        .build_with(&TaskInputs::new(0, &|| Ok(Some(tokenizer.clone()))))
        .unwrap();
    assert_eq!(task.examples(Split::Train), Some(1900));
    assert_eq!(task.examples(Split::Eval), Some(100));
    let prompts = task.prompts().unwrap();
    assert!(prompts.iter().all(|p| p.len() == 8));
    let text = tokenizer.decode(&prompts[0], true).unwrap();
    assert!(text.split_whitespace().count() >= 3, "{text:?}");
}
