//! The checks every registered policy passes: log-probs that are normalized where they should be,
//! masked, summed consistently, frozen faithfully, and moved by a gradient step.

use prefopt::burn::tensor::{Device, Tensor};
use prefopt::data::BanditConfig;
use prefopt::registry::PluginInfo;
use prefopt::train::optimizer::adam;
use prefopt::{PolicyConfig, SequenceBatch, TaskConfig, TrainConfig};

/// The policy of `info`'s example config, built for a 4-context, 6-action bandit: its
/// per-token log-probs are finite and at most 0, its summed log-probs are their masked sum, its
/// frozen copy gives the same values, and one Adam step on `-log pi(y|x)` raises `log pi(y|x)`.
///
/// The sequences use token ids below 4, valid for tables over the bandit and for language
/// models alike.
pub fn check_policy(info: &PluginInfo) -> Result<(), String> {
    let name = info.name;
    let example = (info.example)().map_err(|e| format!("{name}: example config: {e}"))?;
    let table: toml::Table = toml::from_str(&example).map_err(|e| format!("{name}: {e}"))?;
    let section = table.get("policy").cloned().ok_or(format!(
        "{name}: the example config has no [policy] section"
    ))?;
    let config: Box<dyn PolicyConfig> = section
        .try_into()
        .map_err(|e| format!("{name}: example config: {e}"))?;
    let task = BanditConfig::default()
        .build(0)
        .map_err(|e| format!("{name}: {e}"))?;
    let device = Device::default().autodiff();
    let mut policy = config
        .build(&*task, &device)
        .map_err(|e| format!("{name}: building the example policy: {e}"))?;
    let batch = SequenceBatch::from_ids(
        &[vec![0], vec![1], vec![2]],
        &[vec![3], vec![0], vec![1]],
        0,
        &device,
    )
    .map_err(|e| format!("{name}: {e}"))?;

    let tokens = host(policy.token_logps(&batch).flatten::<1>(0, 1));
    if tokens.iter().any(|v| !v.is_finite() || *v > 1e-6) {
        return Err(format!(
            "{name}: token log-probs must be finite and <= 0, got {tokens:?}"
        ));
    }
    let before = host(policy.sequence_logps(&batch));
    if !close(&before, &tokens) {
        return Err(format!(
            "{name}: one-token completions: sequence log-probs {before:?} differ from token log-probs {tokens:?}"
        ));
    }
    let frozen = host(policy.freeze().sequence_logps(&batch.clone()));
    if !close(&before, &frozen) {
        return Err(format!(
            "{name}: the frozen reference gives {frozen:?}, the policy {before:?}"
        ));
    }

    let loss = -policy.sequence_logps(&batch).sum();
    let grads = loss.backward();
    let train = TrainConfig::default();
    let mut optimizer = adam(&train);
    policy.apply_gradients(&mut optimizer, 0.05, grads);
    let after = host(policy.sequence_logps(&batch));
    let gain: f32 = after.iter().sum::<f32>() - before.iter().sum::<f32>();
    if gain.is_nan() || gain <= 0.0 {
        return Err(format!(
            "{name}: a step on -log pi(y|x) must raise log pi(y|x): {before:?} -> {after:?}"
        ));
    }
    Ok(())
}

fn host(tensor: Tensor<1>) -> Vec<f32> {
    tensor
        .into_data()
        .try_into_vec::<f32>()
        .expect("f32 log-probs")
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-5 * (1.0 + x.abs()))
}
