//! The supervised fine-tuning term (`sft`).

use prefopt_core::{ConfigError, Metrics, ObjectiveOutput, PairLogps, PreferenceObjective, plugin};
use serde::{Deserialize, Serialize};

/// The negative log-likelihood of the chosen completions, per token over the batch (TRL's
/// `loss_type = "sft"`: the cross-entropy over every chosen completion token of the batch):
///
/// `L = -sum_i log pi(y_w,i | x_i) / sum_i |y_w,i|`
///
/// (with pair weights `w_i`: `-sum_i w_i log pi(y_w,i|x_i) / sum_i w_i |y_w,i|`). A batch-level
/// mean, not a mean of per-pair values; it has no knob and reads neither the rejected completion
/// nor the reference (so trainers may skip the reference model). Mostly a term of a
/// [`Weighted`](crate::Weighted) objective, e.g. MPO (mixed preference optimization, Wang et al.
/// 2024, arXiv:2411.10442: `sigmoid + bco_pair + sft`) or RPO's NLL term (Pang et al. 2024,
/// arXiv:2404.19733). Logs `logps/chosen` and `logps/rejected` (no reward metrics: it has no
/// beta).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sft {}

#[plugin(
    name = "sft",
    summary = "Supervised fine-tuning: mean negative log-likelihood per chosen token",
    paper = "arXiv:2411.10442"
)]
impl PreferenceObjective for Sft {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (logps, tokens) = match &pairs.weights {
            Some(weights) => (
                pairs.policy_chosen.clone() * weights.clone(),
                pairs.chosen_tokens.clone() * weights.clone(),
            ),
            None => (pairs.policy_chosen.clone(), pairs.chosen_tokens.clone()),
        };
        let loss = -logps.sum() / tokens.sum().clamp_min(1.0);
        let mut metrics = Metrics::default();
        metrics.push("logps/chosen", pairs.mean(pairs.policy_chosen.clone()));
        metrics.push("logps/rejected", pairs.mean(pairs.policy_rejected.clone()));
        ObjectiveOutput { loss, metrics }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }

    fn needs_reference(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, loss, pairs};

    #[test]
    fn mean_over_all_chosen_tokens() {
        // (3 + 5) / (2 + 6) = 1, not the mean of 3/2 and 5/6.
        let batch = pairs(
            &[-3.0, -5.0],
            &[-1.0, -1.0],
            &[0.0, 0.0],
            &[0.0, 0.0],
            &[2.0, 6.0],
            &[1.0, 1.0],
        );
        assert_close(loss(&Sft::default(), &batch), 1.0);
    }
}
