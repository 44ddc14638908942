//! The files of a saved reward network: `reward_model.json` (its kind and architecture) and
//! `reward_model.bpk` (its weights) side by side.

use prefopt_core::burn::tensor::Device;
use prefopt_core::{PrefoptError, RewardModel};
use prefopt_models::reward_model::{RewardArchitecture, RewardNetwork};
use serde_json::{Value, json};
use std::path::Path;

/// The weights file a `reward_model` run writes beside `reward_model.json` for a network.
pub const NETWORK_WEIGHTS_FILE: &str = "reward_model.bpk";

/// `reward_model.json` of a network: `{"kind": "encoder" | "causal_lm", "architecture": {...},
/// "weights": "reward_model.bpk"}`.
pub fn network_json(architecture: &RewardArchitecture) -> Value {
    json!({
        "kind": architecture.kind(),
        "architecture": serde_json::to_value(architecture).expect("architectures serialize"),
        "weights": NETWORK_WEIGHTS_FILE,
    })
}

/// The network described by the parsed `reward_model.json` at `path` (`value`), its weights
/// read from the file its `weights` field names (relative to the JSON's directory), on
/// `device` without autodiff.
pub fn load_network(
    path: &Path,
    value: &Value,
    device: &Device,
) -> Result<Box<dyn RewardModel>, PrefoptError> {
    let bad = |message: String| PrefoptError::Parse {
        path: path.to_path_buf(),
        message,
    };
    let architecture: RewardArchitecture = value
        .get("architecture")
        .cloned()
        .ok_or_else(|| bad("field `architecture`: missing".into()))
        .and_then(|architecture| {
            serde_json::from_value(architecture)
                .map_err(|error| bad(format!("field `architecture`: {error}")))
        })?;
    let weights = value
        .get("weights")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("field `weights`: expected the weights file's name".into()))?;
    let weights = path.parent().unwrap_or(Path::new(".")).join(weights);
    if !weights.is_file() {
        return Err(PrefoptError::Io {
            path: weights,
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "the weights file named by {} (field `weights`) is missing",
                    path.display()
                ),
            ),
        });
    }
    Ok(Box::new(RewardNetwork::load(
        &architecture,
        &weights,
        device,
    )?))
}
