//! Unpaired preference data: single completions labelled desirable or undesirable (KTO).

use crate::PairLogps;
use burn::tensor::Tensor;

/// What data an objective trains on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// Pairs of a chosen and a rejected completion per prompt ([`PairLogps`]).
    Paired,
    /// Single completions, each desirable or undesirable, plus mismatched (prompt, completion)
    /// pairs for a KL baseline ([`UnpairedLogps`]).
    Unpaired,
}

/// Per-sequence log-probs of unpaired completions (Ethayarajh et al. 2024, arXiv:2402.01306).
///
/// All tensors have shape `[batch]` except `kl_policy` / `kl_reference`, which hold the
/// log-probs of mismatched (prompt, completion) pairs, `[kl_batch]`.
#[derive(Debug, Clone)]
pub struct UnpairedLogps {
    /// `log pi_theta(y | x)`, tracked by autodiff.
    pub policy: Tensor<1>,
    /// `log pi_ref(y | x)`.
    pub reference: Tensor<1>,
    /// 1.0 for a desirable completion, 0.0 for an undesirable one.
    pub desirable: Tensor<1>,
    /// Completion token counts.
    pub tokens: Tensor<1>,
    /// `log pi_theta(y' | x)` for mismatched completions y' (KTO's KL baseline).
    pub kl_policy: Tensor<1>,
    /// `log pi_ref(y' | x)` for the same mismatched completions.
    pub kl_reference: Tensor<1>,
    /// Optional non-negative weight per completion.
    pub weights: Option<Tensor<1>>,
}

impl UnpairedLogps {
    /// Unpairs preference pairs: every chosen completion is desirable, every rejected one
    /// undesirable (as TRL's `unpair_preference_dataset`), each keeping its pair's weight.
    ///
    /// Pairs carry no mismatched completions, so the KL baseline is estimated from the batch's
    /// own completions: `kl_*` are the policy and reference log-probs of all of them.
    pub fn from_pairs(pairs: &PairLogps) -> Self {
        let batch = pairs.len();
        let device = pairs.policy_chosen.device();
        let cat = |a: &Tensor<1>, b: &Tensor<1>| Tensor::cat(vec![a.clone(), b.clone()], 0);
        let policy = cat(&pairs.policy_chosen, &pairs.policy_rejected);
        let reference = cat(&pairs.reference_chosen, &pairs.reference_rejected);
        Self {
            kl_policy: policy.clone(),
            kl_reference: reference.clone(),
            policy,
            reference,
            desirable: Tensor::cat(
                vec![
                    Tensor::ones([batch], &device),
                    Tensor::zeros([batch], &device),
                ],
                0,
            ),
            tokens: cat(&pairs.chosen_tokens, &pairs.rejected_tokens),
            weights: pairs.weights.as_ref().map(|w| cat(w, w)),
        }
    }

    /// The number of completions.
    pub fn len(&self) -> usize {
        self.policy.dims()[0]
    }

    /// Whether there is no completion.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `log pi_theta(y|x) - log pi_ref(y|x)`, shape `[batch]`.
    pub fn log_ratio(&self) -> Tensor<1> {
        self.policy.clone() - self.reference.clone()
    }

    /// The batch mean of a per-completion value, weighted by [`weights`](Self::weights) when
    /// present.
    pub fn mean(&self, values: Tensor<1>) -> Tensor<1> {
        match &self.weights {
            Some(weights) => {
                (values * weights.clone()).sum()
                    / weights.clone().sum().clamp_min(f32::MIN_POSITIVE)
            }
            None => values.mean(),
        }
    }

    /// The mean of `values` over the desirable (`desirable = true`) or undesirable completions
    /// (0 when there is none), weighted like [`mean`](Self::mean).
    pub fn class_mean(&self, values: Tensor<1>, desirable: bool) -> Tensor<1> {
        let mask = if desirable {
            self.desirable.clone()
        } else {
            self.desirable.clone().neg() + 1.0
        };
        let mask = match &self.weights {
            Some(weights) => mask * weights.clone(),
            None => mask,
        };
        (values * mask.clone()).sum() / mask.sum().clamp_min(f32::MIN_POSITIVE)
    }
}
