//! The preference objective role.

use crate::{
    ConfigError, DataKind, ObjectiveOutput, PairLogps, PluginKind, PluginTrait, UnpairedLogps,
};
use std::fmt::Debug;

/// A preference objective: a pure function of per-sequence log-probs ([`PairLogps`]) to a loss
/// and metrics.
///
/// The canonical one is DPO (Rafailov et al. 2023, arXiv:2305.18290, eq. 7):
/// `L = -E[log sigmoid(beta * ((log pi(y_w|x) - log pi_ref(y_w|x)) - (log pi(y_l|x) - log
/// pi_ref(y_l|x))))]`. Implement this trait and register it with
/// `#[prefopt_core::plugin(name = "...", summary = "...", paper = "...")]`; a config selects it
/// with `[algorithm.objective] type = "..."`. Loss-specific knobs live in the implementing
/// struct, checked by [`validate`](Self::validate).
#[typetag::serde(tag = "type")]
pub trait PreferenceObjective: Debug + Send + Sync {
    /// The loss and metrics for a batch of pairs. Must stay finite for any finite input
    /// (log-space throughout: log-sigmoid, log-sum-exp).
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput;

    /// Rejects knob values the loss cannot take, naming the field.
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }

    /// The KL coefficient beta the objective regularizes towards the reference with, if any.
    /// Trainers report the distance to the RLHF optimum `pi_ref exp(r / beta) / Z` at this beta
    /// (`kl/optimal`): for DPO that optimum is exactly the population minimizer; for others it is
    /// the yardstick their results are compared against.
    fn beta(&self) -> Option<f64> {
        None
    }

    /// Whether the objective reads the reference log-probs. Reference-free objectives (SimPO,
    /// CPO, ORPO) return `false`, and trainers then skip the reference model (its log-probs in
    /// [`PairLogps`] are zeros).
    fn needs_reference(&self) -> bool {
        true
    }

    /// The data the objective trains on: pairs (the default), or unpaired completions, for which
    /// trainers call [`unpaired_loss`](Self::unpaired_loss).
    fn data(&self) -> DataKind {
        DataKind::Paired
    }

    /// The loss on unpaired completions, for objectives whose [`data`](Self::data) is
    /// [`DataKind::Unpaired`] (`None` for the others).
    fn unpaired_loss(&self, _completions: &UnpairedLogps) -> Option<ObjectiveOutput> {
        None
    }
}

impl PluginTrait for dyn PreferenceObjective {
    const KIND: PluginKind = PluginKind::Objective;
    const SECTION: &'static str = "algorithm.objective";
}

/// Checks that `beta` is a usable KL coefficient: finite and positive.
pub fn validate_beta(field: &str, beta: f64) -> Result<(), ConfigError> {
    if beta.is_finite() && beta > 0.0 {
        crate::config::fits_f32(field, beta)
    } else {
        Err(ConfigError::new(
            field,
            format!("must be a finite number > 0 (the KL coefficient), got {beta}"),
        ))
    }
}
