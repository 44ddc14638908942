//! The policy and reference-model roles.

use crate::{
    ConfigError, Generation, PluginKind, PluginTrait, PreferenceBatch, PrefoptError,
    SamplingOptions, SequenceBatch, Task, TextTokenizer, TrainDefaults,
};
use burn::optim::ModuleOptimizer;
use burn::tensor::{Device, Gradients, Tensor};
use rand::rngs::StdRng;
use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;

/// `sum_t mask_t * token_logps_t` per sequence: the summed completion log-prob.
///
/// # Shapes
/// `token_logps`, `completion_mask`: `[batch, completion_len]`; returns `[batch]`.
pub fn masked_sum(token_logps: Tensor<2>, completion_mask: &Tensor<2>) -> Tensor<1> {
    (token_logps * completion_mask.clone())
        .sum_dim(1)
        .squeeze_dim(1)
}

/// The summed completion log-probs of both sides of `batch`, `[chosen; rejected]` scored as one
/// batch by `sequence_logps` (one call for both halves) and split back: the default of
/// [`Policy::pair_sequence_logps`] and [`ReferenceModel::pair_sequence_logps`].
///
/// # Shapes
/// Returns `[pairs]` twice: chosen, then rejected.
pub fn concat_pair_sequence_logps(
    batch: &PreferenceBatch,
    sequence_logps: impl FnOnce(&SequenceBatch) -> Tensor<1>,
) -> (Tensor<1>, Tensor<1>) {
    let pairs = batch.len();
    let both = SequenceBatch::concat(batch.chosen.clone(), batch.rejected.clone());
    let logps = sequence_logps(&both);
    let rejected = logps.dims()[0] - pairs;
    (
        logps.clone().narrow(0, 0, pairs),
        logps.narrow(0, pairs, rejected),
    )
}

/// pi_theta: the model being trained.
///
/// Object-safe, so configs can pick any registered policy: the burn module lives inside the
/// implementation, which applies optimizer steps to itself ([`apply_gradients`](Self::apply_gradients)).
pub trait Policy: Debug + Send {
    /// `log pi_theta(y_t | x, y_<t)` at every completion position, 0 on padding, tracked by
    /// autodiff when the policy lives on an autodiff device.
    ///
    /// # Shapes
    /// `[batch, completion_len]`.
    fn token_logps(&self, batch: &SequenceBatch) -> Tensor<2>;

    /// `log pi_theta(y | x) = sum_t mask_t * log pi_theta(y_t | x, y_<t)`.
    ///
    /// # Shapes
    /// `[batch]`, one summed completion log-prob per sequence of `batch`.
    fn sequence_logps(&self, batch: &SequenceBatch) -> Tensor<1> {
        masked_sum(self.token_logps(batch), &batch.completion_mask)
    }

    /// `(log pi_theta(y_w | x), log pi_theta(y_l | x))` for every pair of `batch`, tracked by
    /// autodiff as [`sequence_logps`](Self::sequence_logps). The default scores
    /// `[chosen; rejected]` as one batch ([`concat_pair_sequence_logps`]); a language model may
    /// instead run each prompt once for both of its completions (the prompts of a pair are the
    /// same), and must fall back to the default where they differ.
    ///
    /// # Shapes
    /// `[pairs]` twice: chosen, then rejected.
    fn pair_sequence_logps(&self, batch: &PreferenceBatch) -> (Tensor<1>, Tensor<1>) {
        concat_pair_sequence_logps(batch, |both| self.sequence_logps(both))
    }

    /// Samples one completion per prompt (token ids, no padding), seeded by `rng`.
    fn generate(
        &self,
        prompts: &[Vec<u32>],
        options: &SamplingOptions,
        rng: &mut StdRng,
    ) -> Result<Vec<Generation>, PrefoptError> {
        let _ = (prompts, options, rng);
        Err(PrefoptError::Incompatible(format!(
            "this policy cannot sample completions: {self:?}"
        )))
    }

    /// The tokenizer of a language-model policy (none for policies over ids, such as tables).
    fn tokenizer(&self) -> Option<Arc<dyn TextTokenizer>> {
        None
    }

    /// For an output space that can be enumerated: the whole table `log pi_theta(y | x)`.
    ///
    /// # Shapes
    /// `[contexts, outputs]`, each row a normalized log-distribution.
    fn log_prob_table(&self) -> Option<Tensor<2>> {
        None
    }

    /// One optimizer step with the gradients of a loss computed from this policy's outputs.
    fn apply_gradients(&mut self, optimizer: &mut ModuleOptimizer, lr: f64, grads: Gradients);

    /// A frozen copy without autodiff: the usual reference model (pi_ref = the initial policy).
    fn freeze(&self) -> Box<dyn ReferenceModel>;

    /// The policy as it is now, without autodiff (for a burn module, `Module::valid`: the same
    /// parameter buffers, no copy), for evaluation: forward passes on an autodiff device keep
    /// their graph until a backward pass consumes it, so log-probs that are only read (held-out
    /// metrics) are computed here instead. `None` (the default) when the policy's own outputs
    /// cost nothing to keep (tables).
    fn snapshot(&self) -> Option<Box<dyn ReferenceModel>> {
        None
    }

    /// The number of trainable scalars.
    fn num_params(&self) -> usize;

    /// Writes the parameters to `path` (atomically: temporary file, then rename).
    fn save(&self, path: &Path) -> Result<(), PrefoptError>;

    /// The file name [`save`](Self::save) writes under in a run directory: `policy.json` (the
    /// default) for policies saved as JSON, `policy.bpk` for those saved as a burnpack file
    /// that [`load_checkpoint`](Self::load_checkpoint) reads back (a causal LM's parameters, or
    /// its LoRA adapters).
    fn file_name(&self) -> &'static str {
        "policy.json"
    }

    /// Writes the trainable state for an exact resume to `path`: the parameters with their burn
    /// parameter ids (a burnpack file), to which the optimizer's state is keyed. The default
    /// says the policy cannot be resumed.
    fn save_checkpoint(&self, path: &Path) -> Result<(), PrefoptError> {
        let _ = path;
        Err(PrefoptError::Incompatible(
            "this policy cannot write a resumable checkpoint".into(),
        ))
    }

    /// Restores what [`save_checkpoint`](Self::save_checkpoint) wrote, parameter ids included,
    /// so that an optimizer state saved with it applies again.
    fn load_checkpoint(&mut self, path: &Path) -> Result<(), PrefoptError> {
        let _ = path;
        Err(PrefoptError::Incompatible(
            "this policy cannot resume from a checkpoint".into(),
        ))
    }
}

/// What [`ReferenceModel::visit_parameters`] feeds each parameter to: its module path, its
/// shape and its values.
pub type ParameterVisit<'a> = dyn FnMut(&str, &[usize], &[f32]) + 'a;

/// pi_ref: the frozen reference. Its log-probs are constants, never tracked by autodiff; they
/// combine with the policy's autodiff tensors directly.
pub trait ReferenceModel: Debug + Send + Sync {
    /// `log pi_ref(y_t | x, y_<t)` at every completion position, 0 on padding.
    ///
    /// # Shapes
    /// `[batch, completion_len]`.
    fn token_logps(&self, batch: &SequenceBatch) -> Tensor<2>;

    /// `log pi_ref(y | x)` summed over completion tokens.
    ///
    /// # Shapes
    /// `[batch]`.
    fn sequence_logps(&self, batch: &SequenceBatch) -> Tensor<1> {
        masked_sum(self.token_logps(batch), &batch.completion_mask)
    }

    /// `(log pi_ref(y_w | x), log pi_ref(y_l | x))` for every pair of `batch`: as
    /// [`Policy::pair_sequence_logps`], by default `[chosen; rejected]` scored as one batch
    /// ([`concat_pair_sequence_logps`]).
    ///
    /// # Shapes
    /// `[pairs]` twice: chosen, then rejected.
    fn pair_sequence_logps(&self, batch: &PreferenceBatch) -> (Tensor<1>, Tensor<1>) {
        concat_pair_sequence_logps(batch, |both| self.sequence_logps(both))
    }

    /// [`token_logps`](Self::token_logps), or an error where this reference cannot give them
    /// for `batch` (a cache of precomputed log-probs that lacks one of its rows, say, whose
    /// `token_logps` can only panic). The default never fails.
    ///
    /// # Shapes
    /// `[batch, completion_len]`.
    fn try_token_logps(&self, batch: &SequenceBatch) -> Result<Tensor<2>, PrefoptError> {
        Ok(self.token_logps(batch))
    }

    /// [`try_token_logps`](Self::try_token_logps) of both sides of `batch`: chosen, then
    /// rejected. The default scores each side on its own; a language model may run each
    /// pair's prompt once for both completions (the reference log-prob cache builds through
    /// this).
    ///
    /// # Shapes
    /// `[pairs, chosen completion_len]` and `[pairs, rejected completion_len]`.
    fn try_pair_token_logps(
        &self,
        batch: &PreferenceBatch,
    ) -> Result<(Tensor<2>, Tensor<2>), PrefoptError> {
        Ok((
            self.try_token_logps(&batch.chosen)?,
            self.try_token_logps(&batch.rejected)?,
        ))
    }

    /// Feeds every parameter to `visit` as (module path, shape, values), always in the same
    /// order, so that what is computed from the reference can be keyed by its weights (the
    /// reference log-prob cache). Returns `false`, visiting nothing, where the reference has no
    /// parameters to show (the default).
    fn visit_parameters(&self, visit: &mut ParameterVisit<'_>) -> bool {
        let _ = visit;
        false
    }
}

/// Builds a policy for a task: `[policy] type = "..."` in a config.
#[typetag::serde(tag = "type")]
pub trait PolicyConfig: Debug + Send + Sync {
    /// Builds the policy on `device` (an autodiff device when it will be trained).
    fn build(&self, task: &dyn Task, device: &Device) -> Result<Box<dyn Policy>, PrefoptError>;

    /// The tokenizer the policy will bring, read without building the policy, so that a task
    /// over text can tokenize its data before the policy exists (none for policies over ids).
    fn tokenizer(&self) -> Result<Option<Arc<dyn TextTokenizer>>, PrefoptError> {
        Ok(None)
    }

    /// The `[train]` values for the fields a config leaves out: the bandit values by default
    /// ([`TrainDefaults::bandit`]); language models give TRL's ([`TrainDefaults::trl_dpo`]).
    fn train_defaults(&self) -> TrainDefaults {
        TrainDefaults::default()
    }

    /// Rejects values the policy cannot take.
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}

impl PluginTrait for dyn PolicyConfig {
    const KIND: PluginKind = PluginKind::Policy;
    const SECTION: &'static str = "policy";
}
