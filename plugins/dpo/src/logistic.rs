//! The per-pair building blocks several objectives share, written once and in log space so
//! they stay finite on extreme margins.

use prefopt_core::burn::tensor::Tensor;
use prefopt_core::burn::tensor::activation::log_sigmoid;

/// The logistic loss with conservative label smoothing (cDPO, Mitchell 2023; TRL's `aot` and
/// `aot_unpaired` use the same form):
///
/// `-(1 - eps) log sigmoid(z) - eps log sigmoid(-z)`.
///
/// At `eps = 0` this is DPO's `-log sigmoid(z)` (Rafailov et al. 2023, arXiv:2305.18290, eq. 7).
///
/// # Shapes
/// `logits: [batch]` to `[batch]`.
pub fn smoothed_logistic(logits: Tensor<1>, eps: f64) -> Tensor<1> {
    let clean = -log_sigmoid(logits.clone()) * (1.0 - eps);
    if eps > 0.0 {
        clean - log_sigmoid(-logits) * eps
    } else {
        clean
    }
}

/// `sigmoid(z)` as `exp(log sigmoid(z))`: no `exp(-z)` overflow for very negative `z`.
///
/// # Shapes
/// `[batch]` to `[batch]`.
pub fn sigmoid(z: Tensor<1>) -> Tensor<1> {
    log_sigmoid(z).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::values;
    use prefopt_core::burn::tensor::{Device, TensorData};

    #[test]
    fn matches_the_closed_form_and_stays_finite() {
        let device = Device::default();
        let z = Tensor::<1>::from_data(TensorData::new(vec![3f32.ln(), -1e4, 1e4], [3]), &device);
        // -(0.9) log(3/4) - 0.1 log(1/4) = 0.9 ln(4/3) + 0.1 ln 4.
        let loss = values(smoothed_logistic(z.clone(), 0.1));
        let expected = 0.9 * (4f64 / 3.0).ln() + 0.1 * 4f64.ln();
        assert!((loss[0] - expected).abs() < 1e-6, "{loss:?}");
        assert!(loss.iter().all(|v| v.is_finite()), "{loss:?}");
        let p = values(sigmoid(z));
        assert!(
            (p[0] - 0.75).abs() < 1e-6 && p[1] == 0.0 && p[2] == 1.0,
            "{p:?}"
        );
    }
}
