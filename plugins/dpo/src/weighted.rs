//! A weighted sum of objectives (`weighted`): TRL's `loss_type` list with `loss_weights`.

use crate::{BcoPair, Sft, Sigmoid};
use prefopt_core::{
    ConfigError, DataKind, ObjectiveOutput, PairLogps, PreferenceObjective, plugin,
};
use serde::de::Error as _;
use serde::ser::{Error as _, SerializeMap};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A weighted sum of objectives, each a batch mean (TRL's `loss_type = [...]` with
/// `loss_weights`):
///
/// `L = sum_k w_k L_k`,
///
/// e.g. MPO (mixed preference optimization, Wang et al. 2024, arXiv:2411.10442):
/// `0.8 sigmoid + 0.2 bco_pair + 1.0 sft`, the example config. Metrics: those of the first
/// component that has a beta, for the built-in objectives TRL's six at that beta (TRL logs them
/// once, at its single beta); when no component has a beta, the first component's metrics.
/// Components must train on pairs.
///
/// In TOML each component is one table: its `weight` (default 1), its `type` and its knobs:
/// ```toml
/// [algorithm.objective]
/// type = "weighted"
///
/// [[algorithm.objective.objectives]]
/// weight = 0.8
/// type = "sigmoid"
/// beta = 0.1
/// ```
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weighted {
    /// The components and their weights (at least one; weights finite and >= 0).
    #[serde(deserialize_with = "deserialize_terms")]
    pub objectives: Vec<WeightedTerm>,
}

/// One component of a [`Weighted`] objective.
#[derive(Debug)]
pub struct WeightedTerm {
    /// Its weight `w_k`.
    pub weight: f64,
    /// The objective.
    pub objective: Box<dyn PreferenceObjective>,
}

impl WeightedTerm {
    /// A component with weight `weight`.
    pub fn new(weight: f64, objective: impl PreferenceObjective + 'static) -> Self {
        Self {
            weight,
            objective: Box::new(objective),
        }
    }

    /// Parses `{weight = .., type = .., knobs..}` (weight defaults to 1).
    fn from_value(mut value: serde_json::Value) -> Result<Self, String> {
        let fields = value.as_object_mut().ok_or(
            "expected a table with `weight`, the objective's `type` and its knobs".to_string(),
        )?;
        let weight = match fields.remove("weight") {
            Some(weight) => serde_json::from_value(weight).map_err(|e| format!("`weight`: {e}"))?,
            None => 1.0,
        };
        let objective = serde_json::from_value(value).map_err(|e| e.to_string())?;
        Ok(Self { weight, objective })
    }
}

impl Serialize for WeightedTerm {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = serde_json::to_value(&self.objective).map_err(S::Error::custom)?;
        let serde_json::Value::Object(fields) = value else {
            return Err(S::Error::custom("an objective must serialize to a table"));
        };
        let mut map = serializer.serialize_map(Some(fields.len() + 1))?;
        map.serialize_entry("weight", &self.weight)?;
        if let Some(kind) = fields.get("type") {
            map.serialize_entry("type", kind)?;
        }
        for (key, value) in fields.iter().filter(|(key, _)| *key != "type") {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for WeightedTerm {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(serde_json::Value::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

/// Parses the component list, naming the index of a component that does not parse.
fn deserialize_terms<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<WeightedTerm>, D::Error> {
    Vec::<serde_json::Value>::deserialize(deserializer)?
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            WeightedTerm::from_value(value)
                .map_err(|e| D::Error::custom(format!("objectives[{i}]: {e}")))
        })
        .collect()
}

impl Default for Weighted {
    fn default() -> Self {
        Self {
            objectives: vec![
                WeightedTerm::new(0.8, Sigmoid::default()),
                WeightedTerm::new(0.2, BcoPair::default()),
                WeightedTerm::new(1.0, Sft::default()),
            ],
        }
    }
}

#[plugin(
    name = "weighted",
    summary = "A weighted sum of objectives (TRL's loss_type list with loss_weights, e.g. MPO)",
    paper = "arXiv:2411.10442"
)]
impl PreferenceObjective for Weighted {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        // The first component with a beta reports the metrics (TRL's six at that beta, for the
        // built-in objectives); failing one, the first component.
        let reporter = self
            .objectives
            .iter()
            .position(|term| term.objective.beta().is_some())
            .unwrap_or(0);
        let mut loss = None;
        let mut metrics = None;
        for (k, term) in self.objectives.iter().enumerate() {
            let output = term.objective.loss(pairs);
            let weighted = output.loss * term.weight;
            loss = Some(match loss {
                Some(sum) => sum + weighted,
                None => weighted,
            });
            if k == reporter {
                metrics = Some(output.metrics);
            }
        }
        ObjectiveOutput {
            loss: loss.expect("a weighted objective has a component"),
            metrics: metrics.unwrap_or_default(),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.objectives.is_empty() {
            return Err(ConfigError::new(
                "objectives",
                "must list at least one objective",
            ));
        }
        for (i, term) in self.objectives.iter().enumerate() {
            if !(term.weight.is_finite() && term.weight >= 0.0) {
                return Err(ConfigError::new(
                    format!("objectives[{i}].weight"),
                    format!("must be a finite number >= 0, got {}", term.weight),
                ));
            }
            if term.objective.data() != DataKind::Paired {
                return Err(ConfigError::new(
                    format!("objectives[{i}]"),
                    "trains on unpaired completions; `weighted` sums pairwise objectives",
                ));
            }
            term.objective
                .validate()
                .map_err(|e| ConfigError::new(format!("objectives[{i}].{}", e.field), e.message))?;
        }
        Ok(())
    }

    fn beta(&self) -> Option<f64> {
        self.objectives
            .iter()
            .find_map(|term| term.objective.beta())
    }

    fn needs_reference(&self) -> bool {
        self.objectives
            .iter()
            .any(|term| term.objective.needs_reference())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, loss, pairs, values};
    use crate::{Hinge, Ipo};

    #[test]
    fn sums_the_weighted_batch_means() {
        // Hinge: max(0, 1 - 0.1 * 5) = 0.5; sft: 1 / 1 = 1. 0.5 * 0.5 + 2 * 1 = 2.25.
        let batch = pairs(&[-1.0], &[-6.0], &[0.0], &[0.0], &[1.0], &[1.0]);
        let weighted = Weighted {
            objectives: vec![
                WeightedTerm::new(0.5, Hinge::default()),
                WeightedTerm::new(2.0, Sft::default()),
            ],
        };
        assert_close(loss(&weighted, &batch), 2.25);
        let metrics = weighted.loss(&batch).metrics;
        assert_close(
            values(metrics.get("rewards/chosen").unwrap().clone())[0],
            -0.1,
        );
    }

    #[test]
    fn validate_names_the_component() {
        let weighted = Weighted {
            objectives: vec![
                WeightedTerm::new(1.0, Sft::default()),
                WeightedTerm::new(
                    1.0,
                    Ipo {
                        beta: -1.0,
                        ..Ipo::default()
                    },
                ),
            ],
        };
        assert_eq!(weighted.validate().unwrap_err().field, "objectives[1].beta");
        let negative = Weighted {
            objectives: vec![WeightedTerm::new(-1.0, Sft::default())],
        };
        assert_eq!(
            negative.validate().unwrap_err().field,
            "objectives[0].weight"
        );
        assert!(Weighted { objectives: vec![] }.validate().is_err());
    }

    #[test]
    fn needs_the_reference_when_a_component_does() {
        let sft = Weighted {
            objectives: vec![WeightedTerm::new(1.0, Sft::default())],
        };
        assert!(!sft.needs_reference());
        assert!(Weighted::default().needs_reference());
    }

    #[test]
    fn components_are_flat_tables_in_toml() {
        let text =
            "objectives = [{ weight = 0.5, type = \"ipo\", beta = 0.2 }, { type = \"sft\" }]";
        let parsed: Weighted = toml::from_str(text).unwrap();
        assert_eq!(parsed.objectives.len(), 2);
        assert_eq!(parsed.objectives[1].weight, 1.0);
        assert_eq!(parsed.objectives[0].objective.beta(), Some(0.2));
        let again: Weighted = toml::from_str(&toml::to_string(&parsed).unwrap()).unwrap();
        assert_eq!(again.objectives[0].weight, 0.5);
        let bad = "objectives = [{ type = \"sft\" }, { type = \"ipo\", bta = 0.2 }]";
        let error = toml::from_str::<Weighted>(bad).unwrap_err().to_string();
        assert!(
            error.contains("objectives[1]") && error.contains("bta"),
            "{error}"
        );
    }
}
