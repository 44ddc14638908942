//! The clipped losses of PPO (Schulman et al. 2017, arXiv:1707.06347), elementwise.

use prefopt_core::burn::tensor::Tensor;

/// `|log ratio|` beyond which the importance ratio is evaluated at the clamp (`exp(20)` ~
/// 4.9e8): keeps `A * ratio` finite in f32 when a policy has moved far from the behaviour
/// policy. Within it the loss is exactly PPO's.
pub const LOG_RATIO_LIMIT: f64 = 20.0;

/// The clipped surrogate loss (Schulman et al. 2017, eq. 7, negated to a loss):
/// `max(-A r, -A clip(r, 1 - low, 1 + high))` with `r = exp(log_ratio)`.
///
/// Returns the loss, the indicator of the clipped branch being the larger (TRL's clip
/// fraction counts it), and the ratio.
///
/// # Shapes
/// `log_ratio`, `advantages`: the same shape (`[rows, tokens]` or `[rows]`); each output too.
pub fn clipped_surrogate<const D: usize>(
    log_ratio: Tensor<D>,
    advantages: Tensor<D>,
    low: f64,
    high: f64,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    let ratio = log_ratio.clamp(-LOG_RATIO_LIMIT, LOG_RATIO_LIMIT).exp();
    let unclipped = -advantages.clone() * ratio.clone();
    let clipped = -advantages * ratio.clone().clamp(1.0 - low, 1.0 + high);
    let taken = clipped.clone().greater(unclipped.clone()).float();
    (unclipped.max_pair(clipped), taken, ratio)
}

/// The clipped value loss of TRL's `PPOTrainer`:
/// `0.5 max((V - R)^2, (clip(V, V_old - c, V_old + c) - R)^2)`.
///
/// Returns the loss and the indicator of the clipped branch being the larger.
///
/// # Shapes
/// `values`, `old_values`, `returns`: `[rows, tokens]`; each output too.
pub fn clipped_value_loss(
    values: Tensor<2>,
    old_values: Tensor<2>,
    returns: Tensor<2>,
    cliprange: f64,
) -> (Tensor<2>, Tensor<2>) {
    let clipped_values =
        old_values.clone() + (values.clone() - old_values).clamp(-cliprange, cliprange);
    let unclipped = (values - returns.clone()).square();
    let clipped = (clipped_values - returns).square();
    let taken = clipped.clone().greater(unclipped.clone()).float();
    (unclipped.max_pair(clipped) * 0.5, taken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use prefopt_core::burn::tensor::{Device, TensorData};

    fn tensor(values: &[f32], device: &Device) -> Tensor<1> {
        Tensor::from_data(TensorData::new(values.to_vec(), [values.len()]), device)
    }

    fn host(tensor: Tensor<1>) -> Vec<f32> {
        tensor.into_data().try_into_vec().unwrap()
    }

    #[test]
    fn surrogate_by_hand() {
        let device = Device::default();
        // ratios 1.5, 0.5, 1.1 with advantages +2, -1, -3 and clip 0.2:
        // +2: max(-3, -2.4) = -2.4 (clipped); -1: max(0.5, 0.8) = 0.8 (clipped);
        // -3 at 1.1: max(3.3, 3.3) = 3.3 (inside the range, not counted as clipped).
        let log_ratio = tensor(&[1.5f32.ln(), 0.5f32.ln(), 1.1f32.ln()], &device);
        let advantages = tensor(&[2.0, -1.0, -3.0], &device);
        let (loss, taken, ratio) = clipped_surrogate(log_ratio, advantages, 0.2, 0.2);
        let loss = host(loss);
        for (got, want) in loss.iter().zip([-2.4f32, 0.8, 3.3]) {
            assert!((got - want).abs() < 1e-6, "{loss:?}");
        }
        assert_eq!(host(taken), vec![1.0, 1.0, 0.0]);
        assert!((host(ratio)[0] - 1.5).abs() < 1e-6);
    }

    #[test]
    fn surrogate_gradient_is_the_advantage_at_ratio_one() {
        let device = Device::default().autodiff();
        let log_ratio = tensor(&[0.0, 0.0], &device).require_grad();
        let advantages = tensor(&[2.0, -0.5], &device);
        let (loss, _, _) = clipped_surrogate(log_ratio.clone(), advantages, 0.2, 0.2);
        let grads = loss.sum().backward();
        // d(-A r)/d log r = -A r = -A at r = 1.
        assert_eq!(host(log_ratio.grad(&grads).unwrap()), vec![-2.0, 0.5]);
    }

    #[test]
    fn extreme_ratios_stay_finite() {
        let device = Device::default();
        let (loss, _, ratio) = clipped_surrogate(
            tensor(&[1e4, -1e4], &device),
            tensor(&[-1e3, 1e3], &device),
            0.2,
            0.2,
        );
        assert!(host(loss).iter().chain(&host(ratio)).all(|v| v.is_finite()));
    }

    #[test]
    fn value_loss_by_hand() {
        let device = Device::default();
        let two = |v: &[f32]| tensor(v, &device).reshape([v.len(), 1]);
        // V = 1.0, V_old = 0.5, R = 2.0, c = 0.2: unclipped (1 - 2)^2 = 1, clipped
        // (0.7 - 2)^2 = 1.69, so 0.5 * 1.69. V = 0.6: inside the range, both 1.96.
        let (loss, taken) =
            clipped_value_loss(two(&[1.0, 0.6]), two(&[0.5, 0.5]), two(&[2.0, 2.0]), 0.2);
        let loss: Vec<f32> = loss.into_data().try_into_vec().unwrap();
        assert!(
            (loss[0] - 0.845).abs() < 1e-6 && (loss[1] - 0.98).abs() < 1e-6,
            "{loss:?}"
        );
        let taken: Vec<f32> = taken.into_data().try_into_vec().unwrap();
        assert_eq!(taken, vec![1.0, 0.0]);
    }
}
