//! TRL's loss settings to a prefopt objective.

use super::TrlSettings;
use crate::divergence::{ACCEPTED_BY, FDivergence, FDivergenceType};
use crate::{
    Aot, AotUnpaired, ApoDown, ApoZero, BcoPair, Discopop, ExoPair, Hinge, Ipo, NcaPair, Robust,
    Sft, Sigmoid, SigmoidNorm, SppoHard, Weighted, WeightedTerm,
};
use prefopt_core::{ConfigError, PreferenceObjective};

/// Every `loss_type` of TRL's `DPOTrainer` (TRL 1.x), each a registered objective of the same
/// name.
pub const LOSS_TYPES: [&str; 15] = [
    "sigmoid",
    "hinge",
    "ipo",
    "exo_pair",
    "nca_pair",
    "robust",
    "bco_pair",
    "sppo_hard",
    "aot",
    "aot_unpaired",
    "apo_zero",
    "apo_down",
    "discopop",
    "sft",
    "sigmoid_norm",
];

const F_DIVERGENCE_TYPES: [FDivergenceType; 4] = [
    FDivergenceType::ReverseKl,
    FDivergenceType::ForwardKl,
    FDivergenceType::JsDivergence,
    FDivergenceType::AlphaDivergence,
];

/// Turns TRL's settings into the objective TRL would compute: the loss type's objective alone
/// (one loss type of weight 1), or a [`Weighted`] sum of them (`loss = sum_k w_k mean(L_k)`).
/// Each objective takes the settings it uses (`beta`; `label_smoothing` for `robust`, `exo_pair`,
/// `aot`, `aot_unpaired`; the f-divergence for [`ACCEPTED_BY`]; `discopop_tau`) and ignores the
/// others, as TRL does.
///
/// Errors name the field: an unknown `loss_type[i]`, `loss_weights` of the wrong length, an
/// unknown `f_divergence_type` or one TRL refuses for a loss type, and any value the objective's
/// `validate()` refuses (e.g. `label_smoothing` for `exo_pair` at 0).
pub fn translate(settings: &TrlSettings) -> Result<Box<dyn PreferenceObjective>, ConfigError> {
    if settings.loss_type.is_empty() {
        return Err(ConfigError::new(
            "loss_type",
            "must name at least one loss type",
        ));
    }
    let weights = match &settings.loss_weights {
        Some(weights) if weights.len() != settings.loss_type.len() => {
            return Err(ConfigError::new(
                "loss_weights",
                format!(
                    "has {} weights for {} loss types ({:?}); give one per loss type, \
                     or none for 1.0 each",
                    weights.len(),
                    settings.loss_type.len(),
                    settings.loss_type
                ),
            ));
        }
        Some(weights) => weights.clone(),
        None => vec![1.0; settings.loss_type.len()],
    };
    let kind = F_DIVERGENCE_TYPES
        .into_iter()
        .find(|kind| kind.name() == settings.f_divergence_type)
        .ok_or_else(|| {
            let names: Vec<&str> = F_DIVERGENCE_TYPES.iter().map(|kind| kind.name()).collect();
            ConfigError::new(
                "f_divergence_type",
                format!(
                    "unknown `{}`; expected one of {names:?}",
                    settings.f_divergence_type
                ),
            )
        })?;
    let divergence = FDivergence::new(kind, settings.f_alpha_divergence_coef);
    let mut terms = Vec::with_capacity(settings.loss_type.len());
    for (i, (name, weight)) in settings.loss_type.iter().zip(weights).enumerate() {
        let field = format!("loss_type[{i}]");
        let objective = build(name, settings, divergence).ok_or_else(|| {
            ConfigError::new(
                &field,
                format!("unknown loss type \"{name}\"; expected one of {LOSS_TYPES:?}"),
            )
        })?;
        if kind != FDivergenceType::ReverseKl && !ACCEPTED_BY.contains(&name.as_str()) {
            return Err(ConfigError::new(
                "f_divergence_type",
                format!(
                    "`{kind}` is not supported by {field} = \"{name}\": TRL applies an f-divergence \
                     only to the difference-based losses {ACCEPTED_BY:?}; use \"reverse_kl\""
                ),
            ));
        }
        objective.validate().map_err(|e| {
            ConfigError::new(e.field, format!("{} ({field} = \"{name}\")", e.message))
        })?;
        terms.push(WeightedTerm { weight, objective });
    }
    if terms.len() == 1 && terms[0].weight == 1.0 {
        return Ok(terms.remove(0).objective);
    }
    let weighted = Weighted { objectives: terms };
    weighted.validate().map_err(|e| {
        // Point at TRL's field for a weight: objectives[i].weight is loss_weights[i].
        let field = e
            .field
            .replace("objectives[", "loss_weights[")
            .replace("].weight", "]");
        ConfigError::new(field, e.message)
    })?;
    Ok(Box::new(weighted))
}

/// The objective TRL computes for `name`, with the settings it reads.
fn build(
    name: &str,
    s: &TrlSettings,
    divergence: FDivergence,
) -> Option<Box<dyn PreferenceObjective>> {
    let (beta, eps) = (s.beta, s.label_smoothing);
    let (f_divergence_type, f_alpha_divergence_coef) = (divergence.kind, divergence.alpha);
    Some(match name {
        // TRL's sigmoid has no label smoothing.
        "sigmoid" => Box::new(Sigmoid {
            beta,
            label_smoothing: 0.0,
            f_divergence_type,
            f_alpha_divergence_coef,
        }),
        "hinge" => Box::new(Hinge {
            beta,
            f_divergence_type,
            f_alpha_divergence_coef,
        }),
        "ipo" => Box::new(Ipo {
            beta,
            f_divergence_type,
            f_alpha_divergence_coef,
        }),
        "exo_pair" => Box::new(ExoPair {
            beta,
            label_smoothing: eps,
            f_divergence_type,
            f_alpha_divergence_coef,
        }),
        "nca_pair" => Box::new(NcaPair { beta }),
        "robust" => Box::new(Robust {
            beta,
            label_smoothing: eps,
            f_divergence_type,
            f_alpha_divergence_coef,
        }),
        "bco_pair" => Box::new(BcoPair {
            beta,
            ..BcoPair::default()
        }),
        "sppo_hard" => Box::new(SppoHard { beta }),
        "aot" => Box::new(Aot {
            beta,
            label_smoothing: eps,
        }),
        "aot_unpaired" => Box::new(AotUnpaired {
            beta,
            label_smoothing: eps,
        }),
        "apo_zero" => Box::new(ApoZero { beta }),
        "apo_down" => Box::new(ApoDown { beta }),
        "discopop" => Box::new(Discopop {
            beta,
            discopop_tau: s.discopop_tau,
            f_divergence_type,
            f_alpha_divergence_coef,
        }),
        // The f-divergence is accepted and has no effect: sft scores no log-ratio.
        "sft" => Box::new(Sft {}),
        "sigmoid_norm" => Box::new(SigmoidNorm {
            beta,
            f_divergence_type,
            f_alpha_divergence_coef,
        }),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(loss_type: &[&str]) -> TrlSettings {
        TrlSettings {
            loss_type: loss_type.iter().map(|s| s.to_string()).collect(),
            ..TrlSettings::default()
        }
    }

    #[test]
    fn every_loss_type_translates() {
        for name in LOSS_TYPES {
            let mut s = settings(&[name]);
            s.label_smoothing = if name == "exo_pair" { 1e-3 } else { 0.0 };
            translate(&s).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn errors_name_the_field() {
        let error = translate(&settings(&["sigmoid", "kto"])).unwrap_err();
        assert_eq!(error.field, "loss_type[1]");
        let mut s = settings(&["sigmoid", "sft"]);
        s.loss_weights = Some(vec![1.0]);
        assert_eq!(translate(&s).unwrap_err().field, "loss_weights");
        s.loss_weights = Some(vec![1.0, f64::NAN]);
        assert_eq!(translate(&s).unwrap_err().field, "loss_weights[1]");
        let mut s = settings(&["nca_pair"]);
        s.f_divergence_type = "js_divergence".into();
        let error = translate(&s).unwrap_err();
        assert_eq!(error.field, "f_divergence_type");
        assert!(error.message.contains("nca_pair"), "{error}");
        s.f_divergence_type = "kl".into();
        assert_eq!(translate(&s).unwrap_err().field, "f_divergence_type");
        let error = translate(&settings(&["exo_pair"])).unwrap_err();
        assert_eq!(error.field, "label_smoothing");
        assert!(error.message.contains("exo_pair"), "{error}");
    }

    #[test]
    fn f_divergences_are_accepted_where_trl_accepts_them() {
        for name in LOSS_TYPES {
            let mut s = settings(&[name]);
            s.label_smoothing = if name == "exo_pair" { 1e-3 } else { 0.0 };
            s.f_divergence_type = "forward_kl".into();
            assert_eq!(translate(&s).is_ok(), ACCEPTED_BY.contains(&name), "{name}");
        }
    }
}
