//! DPO's sigmoid loss (`sigmoid`), and its historical name `dpo`.

use crate::divergence::{FDivergence, FDivergenceType};
use crate::{checks, defaults, logistic};
use prefopt_core::{
    ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin, validate_beta,
};
use serde::{Deserialize, Serialize};

/// DPO (Rafailov et al. 2023, arXiv:2305.18290, eq. 7), with conservative label smoothing
/// (cDPO, Mitchell 2023) and the f-divergence score stage (f-DPO, arXiv:2309.16240):
///
/// `L = -(1 - eps) log sigmoid(beta * d) - eps * log sigmoid(-beta * d)`, `d = s(u_w) - s(u_l)`,
///
/// `u = log pi(y|x) - log pi_ref(y|x)` and `s` the [`FDivergence`] score (`s(u) = u` for the
/// default reverse KL, where `d` is DPO's log-ratio margin). Its population minimizer under
/// Bradley–Terry preferences is `pi* = pi_ref exp(r / beta) / Z` (eq. 4). TRL's
/// `loss_type = "sigmoid"` (which has no label smoothing: `eps = 0`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sigmoid {
    /// The KL coefficient beta.
    #[serde(default = "defaults::beta")]
    pub beta: f64,
    /// eps: the assumed probability that a preference label is flipped, in `[0, 0.5)` (cDPO).
    #[serde(default)]
    pub label_smoothing: f64,
    /// The f-divergence of the score stage (TRL's `f_divergence_type`).
    #[serde(default)]
    pub f_divergence_type: FDivergenceType,
    /// alpha of `alpha_divergence` (TRL's `f_alpha_divergence_coef`).
    #[serde(default = "defaults::f_alpha_divergence_coef")]
    pub f_alpha_divergence_coef: f64,
}

impl Default for Sigmoid {
    fn default() -> Self {
        Self {
            beta: defaults::beta(),
            label_smoothing: 0.0,
            f_divergence_type: FDivergenceType::default(),
            f_alpha_divergence_coef: defaults::f_alpha_divergence_coef(),
        }
    }
}

impl Sigmoid {
    /// The score stage.
    pub fn divergence(&self) -> FDivergence {
        FDivergence::new(self.f_divergence_type, self.f_alpha_divergence_coef)
    }
}

#[plugin(
    name = "sigmoid",
    summary = "Direct preference optimization: -log sigmoid(beta * log-ratio margin)",
    paper = "arXiv:2305.18290"
)]
impl PreferenceObjective for Sigmoid {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let (chosen, rejected) = self.divergence().scores(pairs);
        let losses =
            logistic::smoothed_logistic((chosen - rejected) * self.beta, self.label_smoothing);
        ObjectiveOutput {
            loss: pairs.mean(losses),
            metrics: pairs.trl_metrics(self.beta),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        validate_beta("beta", self.beta)?;
        checks::flip_rate("label_smoothing", self.label_smoothing)?;
        self.divergence().validate()
    }

    fn beta(&self) -> Option<f64> {
        Some(self.beta)
    }
}

/// `dpo`: the same objective as [`Sigmoid`] under its paper's name (the name prefopt used first);
/// it takes the same knobs and computes the same loss.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Dpo(pub Sigmoid);

#[plugin(
    name = "dpo",
    summary = "Direct preference optimization (the same objective as `sigmoid`)",
    paper = "arXiv:2305.18290"
)]
impl PreferenceObjective for Dpo {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        self.0.loss(pairs)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.0.validate()
    }

    fn beta(&self) -> Option<f64> {
        self.0.beta()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, loss, one_pair};

    #[test]
    fn hand_computed_values() {
        // beta * margin = 0.1 * 10 ln 3 = ln 3: -log sigmoid(ln 3) = ln(4/3).
        let pairs = one_pair(5.0 * 3f32.ln(), -5.0 * 3f32.ln());
        assert_close(loss(&Sigmoid::default(), &pairs), (4f64 / 3.0).ln());
        // cDPO, eps = 0.1: 0.9 ln(4/3) + 0.1 ln 4.
        let smoothed = Sigmoid {
            label_smoothing: 0.1,
            ..Sigmoid::default()
        };
        assert_close(
            loss(&smoothed, &pairs),
            0.9 * (4f64 / 3.0).ln() + 0.1 * 4f64.ln(),
        );
        // The alias computes the same value.
        assert_close(loss(&Dpo::default(), &pairs), (4f64 / 3.0).ln());
    }

    #[test]
    fn forward_kl_scores_the_margin() {
        // u_w = ln 2, u_l = 0: s_w - s_l = (1 - 1/2) - 0 = 1/2; beta = 2 ln 3 gives ln 3.
        let objective = Sigmoid {
            beta: 2.0 * 3f64.ln(),
            f_divergence_type: FDivergenceType::ForwardKl,
            ..Sigmoid::default()
        };
        assert_close(
            loss(&objective, &one_pair(2f32.ln(), 0.0)),
            (4f64 / 3.0).ln(),
        );
    }

    #[test]
    fn validate_names_the_field() {
        let bad = Sigmoid {
            label_smoothing: 0.5,
            ..Sigmoid::default()
        };
        assert_eq!(bad.validate().unwrap_err().field, "label_smoothing");
        let bad = Dpo(Sigmoid {
            beta: 0.0,
            ..Sigmoid::default()
        });
        assert_eq!(bad.validate().unwrap_err().field, "beta");
    }
}
