//! The built `controlled_sentiment` task: prompts in two splits, the true reward, and pairs.

use super::config::ControlledSentimentConfig;
use super::pairs::{Example, SampledPairs, corpus_pairs, sample_pairs};
use super::reward::VaderReward;
use super::vader::Vader;
use crate::token_reward::TokenPair;
use prefopt_core::burn::tensor::Device;
use prefopt_core::{
    Policy, PreferenceBatch, PrefoptError, RewardModel, SamplingOptions, Split, Task, TaskBatch,
    TextTokenizer, examples_at, held_out_count,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::Instant;

/// Mixed into `data_seed` for the draws of pi_ref's samples, so that they do not repeat the
/// stream that ordered the documents.
const SAMPLE_STREAM: u64 = 0x5345_4e54_494d_4e54;

/// A built `controlled_sentiment` task ([`ControlledSentimentConfig`]).
#[derive(Debug, Clone)]
pub struct ControlledSentimentTask {
    train_prompts: Vec<Vec<u32>>,
    eval_prompts: Vec<Vec<u32>>,
    train: Vec<TokenPair>,
    eval: Vec<TokenPair>,
    reward: VaderReward,
    pad: u32,
    eos: Option<u32>,
}

/// The prompt and continuation of a document's ids, or `None` when it is too short.
fn example(ids: &[u32], config: &ControlledSentimentConfig, eos: Option<u32>) -> Option<Example> {
    let needed = config.prompt_tokens + config.min_completion_tokens;
    if ids.len() < needed {
        return None;
    }
    let (prompt, rest) = ids.split_at(config.prompt_tokens);
    let take = rest.len().min(config.completion_tokens);
    let mut continuation = rest[..take].to_vec();
    // A document that ends within the window teaches the model to stop.
    if take == rest.len()
        && let Some(eos) = eos
        && continuation.len() < config.completion_tokens
    {
        continuation.push(eos);
    }
    Some(Example {
        prompt: prompt.to_vec(),
        continuation,
    })
}

impl ControlledSentimentTask {
    /// Reads the corpus and the lexicon, picks and tokenizes the prompts (documents in the
    /// order of a shuffle seeded by `data_seed`, the eligible ones kept until `prompts`), and
    /// builds the corpus pairs.
    ///
    /// # Errors
    /// Unreadable or malformed files (named), a tokenizer failure, or fewer than two eligible
    /// documents.
    pub fn from_corpus(
        config: &ControlledSentimentConfig,
        tokenizer: Arc<dyn TextTokenizer>,
    ) -> Result<Self, PrefoptError> {
        let (lexicon, emojis) = config.lexicon_files()?;
        let vader = Arc::new(Vader::from_files(&lexicon, Some(&emojis))?);
        let mut documents = config.documents()?;
        let total = documents.len();
        let mut rng = StdRng::seed_from_u64(config.data_seed);
        documents.shuffle(&mut rng);
        let eos = tokenizer.eos_token_ids().first().copied();
        let wanted = if config.prompts == 0 {
            usize::MAX
        } else {
            config.prompts
        };
        let mut examples = Vec::new();
        for document in &documents {
            if examples.len() == wanted {
                break;
            }
            let ids = tokenizer.encode(document, false)?;
            examples.extend(example(&ids, config, eos));
        }
        if examples.len() < 2 || (config.prompts > 0 && examples.len() < config.prompts) {
            return Err(PrefoptError::Data(format!(
                "task.prompts: {} of the corpus's {total} documents have at least prompt_tokens \
                 + min_completion_tokens = {} tokens; {} wanted (at least 2)",
                examples.len(),
                config.prompt_tokens + config.min_completion_tokens,
                config.prompts
            )));
        }
        // Corpus pairs over every example (the rejected side is the next example's
        // continuation, whichever split it falls in), then the last `held` held out.
        let mut train = corpus_pairs(&examples);
        let eval =
            train.split_off(train.len() - held_out_count(examples.len(), config.eval_fraction));
        let prompts_of = |pairs: &[TokenPair]| pairs.iter().map(|p| p.prompt.clone()).collect();
        Ok(Self {
            train_prompts: prompts_of(&train),
            eval_prompts: prompts_of(&eval),
            train,
            eval,
            pad: tokenizer.pad_token_id().or(eos).unwrap_or(0),
            eos,
            reward: VaderReward::new(vader, tokenizer, config.score),
        })
    }

    /// This task with its pairs replaced by two samples of `reference` (pi_ref) per prompt of
    /// each split, ordered by the true reward ([`sample_pairs`]), drawn with `data_seed`.
    ///
    /// # Errors
    /// When `reference` cannot sample, or every pair of the training split was a tie.
    pub fn with_reference_pairs(
        mut self,
        config: &ControlledSentimentConfig,
        reference: &dyn Policy,
    ) -> Result<Self, PrefoptError> {
        let options = SampledPairs {
            sampling: SamplingOptions {
                max_new_tokens: config.completion_tokens,
                temperature: config.sampling_temperature,
                stop_token_ids: self.eos.into_iter().collect(),
                ..SamplingOptions::default()
            },
            preference: config.preference,
            temperature: config.preference_temperature,
            batch: config.sample_batch,
            reward: &self.reward,
        };
        let started = Instant::now();
        let mut rng = StdRng::seed_from_u64(config.data_seed ^ SAMPLE_STREAM);
        let (train, train_ties) = sample_pairs(reference, &self.train_prompts, &options, &mut rng)?;
        let (eval, eval_ties) = sample_pairs(reference, &self.eval_prompts, &options, &mut rng)?;
        tracing::info!(
            prompts = self.train_prompts.len() + self.eval_prompts.len(),
            pairs = train.len() + eval.len(),
            ties_dropped = train_ties + eval_ties,
            seconds = started.elapsed().as_secs_f64(),
            "sampled the preference pairs from pi_ref"
        );
        if train.is_empty() {
            return Err(PrefoptError::Data(format!(
                "task.pairs = \"reference_samples\": all {} training prompts gave two samples of \
                 equal reward (dropped as ties); use preference = \"bradley_terry\" or longer \
                 completions",
                self.train_prompts.len()
            )));
        }
        self.train = train;
        self.eval = eval;
        Ok(self)
    }

    /// The true reward.
    pub fn reward(&self) -> &VaderReward {
        &self.reward
    }

    /// The prompts of `split`.
    pub fn prompts_of(&self, split: Split) -> &[Vec<u32>] {
        match split {
            Split::Train => &self.train_prompts,
            Split::Eval => &self.eval_prompts,
        }
    }

    /// The pairs of `split`.
    pub fn pairs(&self, split: Split) -> &[TokenPair] {
        match split {
            Split::Train => &self.train,
            Split::Eval => &self.eval,
        }
    }

    fn collate(
        &self,
        pairs: &[&TokenPair],
        device: &Device,
    ) -> Result<PreferenceBatch, PrefoptError> {
        let side = |pick: fn(&TokenPair) -> &Vec<u32>| -> Vec<Vec<u32>> {
            pairs.iter().map(|pair| pick(pair).clone()).collect()
        };
        PreferenceBatch::from_ids(
            &side(|pair| &pair.prompt),
            &side(|pair| &pair.chosen),
            &side(|pair| &pair.rejected),
            self.pad,
            device,
        )
    }
}

impl Task for ControlledSentimentTask {
    /// `batch_size` training pairs drawn uniformly with replacement, or every one when
    /// `batch_size` covers them.
    fn training_batch(
        &self,
        rng: &mut StdRng,
        batch_size: usize,
        device: &Device,
    ) -> PreferenceBatch {
        let drawn: Vec<&TokenPair> = if batch_size >= self.train.len() {
            self.train.iter().collect()
        } else {
            (0..batch_size)
                .map(|_| &self.train[rng.random_range(0..self.train.len())])
                .collect()
        };
        self.collate(&drawn, device)
            .expect("the task has at least one pair with non-empty prompts")
    }

    fn true_reward(&self) -> Option<&dyn RewardModel> {
        Some(&self.reward)
    }

    /// The training split's prompts, which on-policy algorithms sample from.
    fn prompts(&self) -> Option<&[Vec<u32>]> {
        Some(&self.train_prompts)
    }

    /// The held-out prompts (the training prompts when none are held out).
    fn eval_prompts(&self) -> Option<&[Vec<u32>]> {
        if self.eval_prompts.is_empty() {
            Some(&self.train_prompts)
        } else {
            Some(&self.eval_prompts)
        }
    }

    fn num_pairs(&self) -> Option<usize> {
        Some(self.train.len())
    }

    fn examples(&self, split: Split) -> Option<usize> {
        Some(self.pairs(split).len())
    }

    fn batch_at(
        &self,
        split: Split,
        indices: &[usize],
        device: &Device,
    ) -> Result<TaskBatch, PrefoptError> {
        let picked = examples_at(self.pairs(split), split, indices, "pair")?;
        Ok(TaskBatch::Pairs(self.collate(&picked, device)?))
    }
}
