//! The `trl` objective.

use super::{TrlSettings, translate};
use prefopt_core::{ConfigError, ObjectiveOutput, PairLogps, PreferenceObjective, plugin};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// TRL's `DPOTrainer` loss, configured as in TRL: its config is [`TrlSettings`], so a TRL user
/// can paste their settings,
///
/// ```toml
/// [algorithm.objective]
/// type = "trl"
/// loss_type = ["sigmoid", "bco_pair", "sft"]
/// loss_weights = [0.8, 0.2, 1.0]
/// beta = 0.1
/// ```
///
/// and it computes what TRL computes: `loss = sum_k w_k mean(L_k)` over the
/// [translated](super::translate) objectives, and TRL's six metrics at `beta` from the raw
/// log-ratios. Settings that do not translate (an unknown loss type, an f-divergence TRL refuses
/// for a loss type, a value the loss cannot take) are refused when the config is parsed, with the
/// field named.
#[derive(Debug)]
pub struct Trl {
    settings: TrlSettings,
    objective: Box<dyn PreferenceObjective>,
}

impl Trl {
    /// The objective for `settings`, or the first field that does not translate.
    pub fn new(settings: TrlSettings) -> Result<Self, ConfigError> {
        let objective = translate(&settings)?;
        Ok(Self {
            settings,
            objective,
        })
    }

    /// TRL's settings.
    pub fn settings(&self) -> &TrlSettings {
        &self.settings
    }

    /// The translated objective.
    pub fn objective(&self) -> &dyn PreferenceObjective {
        &*self.objective
    }
}

impl Default for Trl {
    fn default() -> Self {
        Self::new(TrlSettings::default()).expect("TRL's default settings translate")
    }
}

impl Serialize for Trl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.settings.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Trl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::new(TrlSettings::deserialize(deserializer)?).map_err(D::Error::custom)
    }
}

#[plugin(
    name = "trl",
    summary = "TRL's DPOTrainer loss from TRL's settings (loss_type list, loss_weights, ...)",
    paper = "arXiv:2305.18290"
)]
impl PreferenceObjective for Trl {
    fn loss(&self, pairs: &PairLogps) -> ObjectiveOutput {
        let mut output = self.objective.loss(pairs);
        for (name, value) in pairs.trl_metrics(self.settings.beta).iter() {
            output.metrics.push(name, value.clone());
        }
        output
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.objective.validate()
    }

    fn beta(&self) -> Option<f64> {
        self.objective.beta()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_close, loss, pairs, values};

    #[test]
    fn sft_alone_logs_rewards_at_trl_beta() {
        let settings = TrlSettings {
            loss_type: vec!["sft".into()],
            beta: 0.5,
            ..TrlSettings::default()
        };
        let trl = Trl::new(settings).unwrap();
        let batch = pairs(&[-3.0], &[-1.0], &[-5.0], &[0.0], &[3.0], &[1.0]);
        assert_close(loss(&trl, &batch), 1.0);
        let metrics = trl.loss(&batch).metrics;
        assert_close(
            values(metrics.get("rewards/chosen").unwrap().clone())[0],
            1.0,
        );
    }

    #[test]
    fn invalid_settings_fail_to_parse_with_the_field() {
        let error = toml::from_str::<Trl>("loss_type = [\"exo_pair\"]")
            .unwrap_err()
            .to_string();
        assert!(error.contains("label_smoothing"), "{error}");
        let trl: Trl = toml::from_str("loss_type = \"ipo\"\nbeta = 0.2").unwrap();
        assert_eq!(trl.beta(), Some(0.2));
    }
}
