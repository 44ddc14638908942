//! The `[task] type = "bandit"` config.

use super::memory::{available_bytes, check_memory};
use super::task::Bandit;
use prefopt_core::{ConfigError, PrefoptError, Task, TaskConfig, plugin};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A contextual bandit with a known answer (`[task] type = "bandit"`).
///
/// True rewards are drawn `r(x, y) ~ N(0, reward_scale^2)`; the reference is uniform or the
/// softmax of `N(0, 1)` logits; preferences follow Bradley–Terry,
/// `P(y_1 > y_2 | x) = sigmoid(r(x, y_1) - r(x, y_2))` (Rafailov et al. 2023, eq. 1), or, with
/// `deterministic = true`, the better action always wins (Azar et al. 2023, arXiv:2310.12036,
/// §4.2, the case where DPO overfits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BanditConfig {
    /// Number of contexts x.
    pub contexts: usize,
    /// Number of actions y per context.
    pub actions: usize,
    /// Standard deviation of the true rewards.
    pub reward_scale: f64,
    /// The reference policy.
    pub reference: ReferenceKind,
    /// `"population"` (every ordered pair, weighted by its probability) or a number of sampled
    /// pairs.
    pub pairs: PairsMode,
    /// The better action always wins (no Bradley–Terry noise).
    pub deterministic: bool,
}

/// The largest `reward_scale`: rewards drawn 100 standard deviations out still fit in f32.
pub const MAX_REWARD_SCALE: f64 = f32::MAX as f64 / 100.0;

impl Default for BanditConfig {
    fn default() -> Self {
        Self {
            contexts: 4,
            actions: 6,
            reward_scale: 2.0,
            reference: ReferenceKind::Random,
            pairs: PairsMode::Population,
            deterministic: false,
        }
    }
}

/// The reference policy of a bandit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceKind {
    /// `pi_ref(y|x) = 1 / actions`.
    Uniform,
    /// `pi_ref(.|x) = softmax(z)` with `z ~ N(0, 1)` per action.
    Random,
}

/// Which preference data a bandit yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairsMode {
    /// Every ordered pair `(y_1, y_2)`, `y_1 != y_2`, of every context, chosen `y_1`, weighted by
    /// `pi_ref(y_1|x) pi_ref(y_2|x) P(y_1 > y_2 | x)`: the exact expected loss, whose DPO optimum
    /// is exactly pi*.
    Population,
    /// This many pairs sampled once: x uniform, `y_1, y_2 ~ pi_ref(.|x)` distinct, the winner
    /// drawn by Bradley–Terry.
    Sampled(usize),
}

impl Serialize for PairsMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PairsMode::Population => serializer.serialize_str("population"),
            PairsMode::Sampled(count) => serializer.serialize_u64(*count as u64),
        }
    }
}

impl<'de> Deserialize<'de> for PairsMode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl Visitor<'_> for PairsVisitor {
            type Value = PairsMode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("\"population\" or a positive number of sampled pairs")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<PairsMode, E> {
                match value {
                    "population" => Ok(PairsMode::Population),
                    _ => Err(E::invalid_value(de::Unexpected::Str(value), &self)),
                }
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<PairsMode, E> {
                match usize::try_from(value) {
                    Ok(count) if count > 0 => Ok(PairsMode::Sampled(count)),
                    _ => Err(E::invalid_value(de::Unexpected::Signed(value), &self)),
                }
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<PairsMode, E> {
                self.visit_i64(i64::try_from(value).unwrap_or(-1))
            }
        }
        deserializer.deserialize_any(PairsVisitor)
    }
}

#[plugin(
    name = "bandit",
    summary = "Contextual bandit with a seeded true reward table and Bradley-Terry preferences",
    paper = "arXiv:2310.12036"
)]
impl TaskConfig for BanditConfig {
    fn build(&self, seed: u64) -> Result<Box<dyn Task>, PrefoptError> {
        self.validate()?;
        Ok(Box::new(Bandit::new(self, seed)))
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.contexts == 0 {
            return Err(ConfigError::new("contexts", "must be at least 1"));
        }
        if self.actions < 2 {
            return Err(ConfigError::new(
                "actions",
                format!(
                    "a preference needs two actions: must be at least 2, got {}",
                    self.actions
                ),
            ));
        }
        if !(self.reward_scale.is_finite() && self.reward_scale >= 0.0) {
            return Err(ConfigError::new(
                "reward_scale",
                format!("must be a finite number >= 0, got {}", self.reward_scale),
            ));
        }
        if self.reward_scale > MAX_REWARD_SCALE {
            return Err(ConfigError::new(
                "reward_scale",
                format!(
                    "must be at most {MAX_REWARD_SCALE:e}: rewards are f32 tensors, whose largest \
                     value is {:e}, and a reward 100 standard deviations out must fit; got {:e}",
                    f32::MAX,
                    self.reward_scale
                ),
            ));
        }
        check_memory(self, available_bytes())
    }
}
