//! `rollouts = "population" | N`: how an on-policy algorithm gathers completions each step.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// How completions are gathered each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RolloutMode {
    /// Every output of every context, weighted by the behaviour policy (contexts uniform): the
    /// update is the exact expectation over the policy's own completions, as the bandit's
    /// population mode is for DPO. Only where the outputs can be enumerated.
    #[default]
    Population,
    /// This many completions sampled from the policy each step.
    Sampled(usize),
}

impl Serialize for RolloutMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RolloutMode::Population => serializer.serialize_str("population"),
            RolloutMode::Sampled(count) => serializer.serialize_u64(*count as u64),
        }
    }
}

impl<'de> Deserialize<'de> for RolloutMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ModeVisitor;
        impl Visitor<'_> for ModeVisitor {
            type Value = RolloutMode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"population\" or a positive number of sampled completions per step")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<RolloutMode, E> {
                match value {
                    "population" => Ok(RolloutMode::Population),
                    _ => Err(E::invalid_value(de::Unexpected::Str(value), &self)),
                }
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<RolloutMode, E> {
                match usize::try_from(value) {
                    Ok(count) if count > 0 => Ok(RolloutMode::Sampled(count)),
                    _ => Err(E::invalid_value(de::Unexpected::Signed(value), &self)),
                }
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<RolloutMode, E> {
                self.visit_i64(i64::try_from(value).unwrap_or(-1))
            }
        }
        deserializer.deserialize_any(ModeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize, Deserialize)]
    struct Holder {
        rollouts: RolloutMode,
    }

    #[test]
    fn reads_and_writes_both_forms() {
        let population: Holder = toml::from_str("rollouts = \"population\"").unwrap();
        assert_eq!(population.rollouts, RolloutMode::Population);
        let sampled: Holder = toml::from_str("rollouts = 64").unwrap();
        assert_eq!(sampled.rollouts, RolloutMode::Sampled(64));
        assert_eq!(toml::to_string(&sampled).unwrap().trim(), "rollouts = 64");
        for bad in ["rollouts = 0", "rollouts = -3", "rollouts = \"all\""] {
            let error = toml::from_str::<Holder>(bad).unwrap_err().to_string();
            assert!(
                error.contains("\"population\" or a positive number"),
                "{error}"
            );
        }
    }
}
