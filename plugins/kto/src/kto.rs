//! The KTO loss.

use prefopt_core::burn::tensor::Tensor;
use prefopt_core::{
    ConfigError, DataKind, Metrics, ObjectiveOutput, PairLogps, PreferenceObjective, UnpairedLogps,
    plugin, validate_beta,
};
use prefopt_dpo::checks;
use prefopt_dpo::logistic::sigmoid;
use serde::{Deserialize, Serialize};

/// KTO, Kahneman–Tversky optimization (Ethayarajh et al. 2024, arXiv:2402.01306, eq. 8; TRL's
/// `KTOTrainer`, `loss_type = "kto"`). With `z_0 = max(0, mean(log pi(y'|x) - log pi_ref(y'|x)))`
/// over mismatched pairs, detached:
///
/// * desirable y: `lambda_D * (1 - sigmoid(beta * (log pi(y|x) - log pi_ref(y|x) - z_0)))`;
/// * undesirable y: `lambda_U * (1 - sigmoid(beta * (z_0 - (log pi(y|x) - log pi_ref(y|x)))))`;
///
/// the loss is the mean over all completions. On paired input ([`loss`](Self::loss)) the pairs
/// are unpaired and `z_0` is estimated from the batch's own completions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Kto {
    /// beta, the KL coefficient.
    pub beta: f64,
    /// lambda_D, the weight of desirable completions.
    pub desirable_weight: f64,
    /// lambda_U, the weight of undesirable completions.
    pub undesirable_weight: f64,
}

impl Default for Kto {
    fn default() -> Self {
        Self {
            beta: 0.1,
            desirable_weight: 1.0,
            undesirable_weight: 1.0,
        }
    }
}

impl Kto {
    /// The detached KL baseline `z_0`.
    fn baseline(completions: &UnpairedLogps) -> Tensor<1> {
        (completions.kl_policy.clone() - completions.kl_reference.clone())
            .mean()
            .clamp_min(0.0)
            .detach()
    }
}

#[plugin(
    name = "kto",
    summary = "KTO: prospect-theoretic loss on unpaired desirable/undesirable completions",
    paper = "arXiv:2402.01306"
)]
impl PreferenceObjective for Kto {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        self.unpaired_loss(&UnpairedLogps::from_pairs(pairs))
            .expect("KTO always has an unpaired loss")
    }

    fn unpaired_loss(&self, completions: &UnpairedLogps) -> Option<ObjectiveOutput> {
        let kl = Self::baseline(completions);
        let batch = completions.len();
        let z0 = kl.clone().expand([batch]);
        let log_ratio = completions.log_ratio();
        let desirable = completions.desirable.clone();
        let undesirable = desirable.clone().neg() + 1.0;
        // 1 - sigmoid(z) = sigmoid(-z), in log space.
        let desirable_losses = sigmoid((z0.clone() - log_ratio.clone()) * self.beta);
        let undesirable_losses = sigmoid((log_ratio.clone() - z0) * self.beta);
        let losses = desirable_losses * desirable * self.desirable_weight
            + undesirable_losses * undesirable * self.undesirable_weight;
        let rewards = log_ratio.detach() * self.beta;
        let mut metrics = Metrics::default();
        metrics.push("kl", kl);
        metrics.push(
            "rewards/chosen",
            completions.class_mean(rewards.clone(), true),
        );
        metrics.push(
            "rewards/rejected",
            completions.class_mean(rewards.clone(), false),
        );
        metrics.push(
            "rewards/margins",
            completions.class_mean(rewards.clone(), true) - completions.class_mean(rewards, false),
        );
        let logps = completions.policy.clone().detach();
        metrics.push("logps/chosen", completions.class_mean(logps.clone(), true));
        metrics.push("logps/rejected", completions.class_mean(logps, false));
        Some(ObjectiveOutput {
            loss: completions.mean(losses),
            metrics,
        })
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)?;
        checks::non_negative("desirable_weight", self.desirable_weight)?;
        checks::non_negative("undesirable_weight", self.undesirable_weight)?;
        if self.desirable_weight == 0.0 && self.undesirable_weight == 0.0 {
            return Err(ConfigError::new(
                "desirable_weight",
                "desirable_weight and undesirable_weight cannot both be 0",
            ));
        }
        Ok(())
    }

    fn beta(&self) -> Option<f64> {
        Some(self.beta)
    }

    fn data(&self) -> DataKind {
        DataKind::Unpaired
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prefopt_core::burn::tensor::{Device, TensorData};

    fn tensor(values: &[f32]) -> Tensor<1> {
        Tensor::from_data(
            TensorData::new(values.to_vec(), [values.len()]),
            &Device::default(),
        )
    }

    #[test]
    fn by_hand() {
        // Two completions: desirable with log-ratio 2, undesirable with log-ratio -1; mismatched
        // log-ratios 0.5 and 1.5: z_0 = 1. beta = 1: losses sigmoid(1 - 2) and sigmoid(-1 - 1).
        let completions = UnpairedLogps {
            policy: tensor(&[-1.0, -5.0]),
            reference: tensor(&[-3.0, -4.0]),
            desirable: tensor(&[1.0, 0.0]),
            tokens: tensor(&[1.0, 1.0]),
            kl_policy: tensor(&[-2.0, -1.0]),
            kl_reference: tensor(&[-2.5, -2.5]),
            weights: None,
        };
        let kto = Kto {
            beta: 1.0,
            ..Kto::default()
        };
        let output = kto.unpaired_loss(&completions).unwrap();
        let s = |z: f64| 1.0 / (1.0 + (-z).exp());
        let expected = (s(-1.0) + s(-2.0)) / 2.0;
        let loss = f64::from(output.loss.into_scalar::<f32>());
        assert!((loss - expected).abs() < 1e-6, "{loss} vs {expected}");
        let kl = f64::from(
            output
                .metrics
                .get("kl")
                .unwrap()
                .clone()
                .into_scalar::<f32>(),
        );
        assert!((kl - 1.0).abs() < 1e-6);
    }

    #[test]
    fn the_baseline_is_never_negative() {
        let completions = UnpairedLogps {
            policy: tensor(&[-1.0]),
            reference: tensor(&[-1.0]),
            desirable: tensor(&[1.0]),
            tokens: tensor(&[1.0]),
            kl_policy: tensor(&[-9.0]),
            kl_reference: tensor(&[-1.0]),
            weights: None,
        };
        let output = Kto::default().unpaired_loss(&completions).unwrap();
        let kl = output
            .metrics
            .get("kl")
            .unwrap()
            .clone()
            .into_scalar::<f32>();
        assert_eq!(kl, 0.0);
    }

    #[test]
    fn rejects_zero_weights() {
        let kto = Kto {
            desirable_weight: 0.0,
            undesirable_weight: 0.0,
            ..Kto::default()
        };
        assert_eq!(kto.validate().unwrap_err().field, "desirable_weight");
    }
}
