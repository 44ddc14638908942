//! Where a causal language model comes from in a config: a model file, the tiny random
//! architecture, or an architecture table.

use super::config::CausalLmConfig;
use super::error::CausalLmError;
use prefopt_core::ConfigError;

/// Checks the source of a causal LM as `[policy] type = "causal_lm"` and the trunks under value
/// and reward heads ([`TrunkConfig`](crate::TrunkConfig)) give it: exactly one of a model file
/// (`model`), `tiny = true` and an `architecture` table, and an architecture whose sizes fit
/// together. `field` is where the model sits in the config (`policy`, `algorithm.value_model`);
/// errors name `{field}.model`, or `{field}.architecture.<size>` for a size that does not fit.
pub fn validate_model_source(
    field: &str,
    model: bool,
    tiny: bool,
    architecture: Option<&CausalLmConfig>,
) -> Result<(), ConfigError> {
    let sources = usize::from(model) + usize::from(tiny) + usize::from(architecture.is_some());
    if sources != 1 {
        return Err(ConfigError::new(
            format!("{field}.model"),
            format!(
                "give exactly one of `model = \"file.gguf\"`, `tiny = true` or a \
                 `[{field}.architecture]` table"
            ),
        ));
    }
    if let Some(architecture) = architecture {
        let table = format!("{field}.architecture");
        architecture.validate(&table).map_err(|error| match error {
            CausalLmError::Config { field, message, .. } => {
                ConfigError::new(format!("{table}.{field}"), message)
            }
            other => ConfigError::new(table.clone(), other.to_string()),
        })?;
    }
    Ok(())
}
