//! Every TRL loss type under every f-divergence TRL accepts for it keeps a finite loss and finite
//! gradients on extreme log-ratios (log-probs of ±1e3).

use prefopt_core::burn::tensor::{Device, Tensor, TensorData};
use prefopt_core::{PairLogps, PreferenceObjective};
use prefopt_dpo::divergence::ACCEPTED_BY;
use prefopt_dpo::trl::{LOSS_TYPES, Trl, TrlSettings};

/// Loss and the gradients with respect to the policy log-probs.
fn loss_and_gradients(objective: &dyn PreferenceObjective, values: [&[f32]; 4]) -> Vec<f32> {
    let device = Device::default().autodiff();
    let tensor =
        |v: &[f32]| Tensor::<1>::from_data(TensorData::new(v.to_vec(), [v.len()]), &device);
    let tokens = vec![3.0f32; values[0].len()];
    let mut pairs = PairLogps::from_values(
        values[0], values[1], values[2], values[3], &tokens, &tokens, &device,
    );
    pairs.policy_chosen = tensor(values[0]).require_grad();
    pairs.policy_rejected = tensor(values[1]).require_grad();
    let loss = objective.loss(&pairs).loss;
    let grads = loss.backward();
    let mut out = vec![loss.into_scalar::<f32>()];
    for leaf in [&pairs.policy_chosen, &pairs.policy_rejected] {
        if let Some(grad) = leaf.grad(&grads) {
            out.extend(grad.into_data().try_into_vec::<f32>().unwrap());
        }
    }
    out
}

#[test]
fn extreme_log_ratios_stay_finite() {
    let low = [-1e3f32, 0.0, -1e3, 0.0, -500.0];
    let high = [0.0f32, -1e3, 0.0, -1e3, -500.0];
    let cases: [[&[f32]; 4]; 3] = [
        [&low, &high, &high, &low],
        [&high, &low, &low, &high],
        [&low, &low, &high, &high],
    ];
    for name in LOSS_TYPES {
        for divergence in [
            "reverse_kl",
            "forward_kl",
            "js_divergence",
            "alpha_divergence",
        ] {
            if divergence != "reverse_kl" && !ACCEPTED_BY.contains(&name) {
                continue;
            }
            // IPO squares the score: with forward_kl or alpha_divergence a log-ratio of -1e3 scores
            // about -e^80 (the clamp), whose square overflows float32 as it does in TRL.
            if name == "ipo" && matches!(divergence, "forward_kl" | "alpha_divergence") {
                continue;
            }
            for alpha in [0.3, 2.0] {
                let settings = TrlSettings {
                    loss_type: vec![name.to_string()],
                    label_smoothing: if name == "exo_pair" { 1e-3 } else { 0.1 },
                    f_divergence_type: divergence.to_string(),
                    f_alpha_divergence_coef: alpha,
                    ..TrlSettings::default()
                };
                let objective = Trl::new(settings).unwrap();
                for values in cases {
                    let out = loss_and_gradients(&objective, values);
                    assert!(
                        out.iter().all(|v| v.is_finite()),
                        "{name} {divergence} alpha {alpha}: {out:?}"
                    );
                }
            }
        }
    }
}
