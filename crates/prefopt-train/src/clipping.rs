//! Global-norm gradient clipping as PyTorch's `torch.nn.utils.clip_grad_norm_` does it.
//!
//! burn's `GradientClippingConfig::Norm` clips each tensor by its own norm; transformers'
//! `max_grad_norm` clips all gradients of the model together by their joint norm, which is what
//! [`clip_coefficient`] serves.

/// The factor every gradient is multiplied by: `min(1, max_norm / (total_norm + 1e-6))`, in f32
/// as PyTorch computes it, where `total_norm = sqrt(sum_p ||g_p||^2)` over all parameters.
pub fn clip_coefficient(total_norm: f64, max_norm: f64) -> f64 {
    let coefficient = max_norm as f32 / (total_norm as f32 + 1e-6);
    f64::from(coefficient.min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norms_below_the_threshold_are_left_alone() {
        assert_eq!(clip_coefficient(0.5, 1.0), 1.0);
        assert_eq!(clip_coefficient(0.0, 1.0), 1.0);
    }

    #[test]
    fn norms_above_are_scaled_to_the_threshold() {
        // Gradients (3, 4) and (12): total norm 13; PyTorch scales by 1 / (13 + 1e-6).
        let total = (3.0f64 * 3.0 + 4.0 * 4.0 + 12.0 * 12.0).sqrt();
        assert_eq!(total, 13.0);
        let coefficient = clip_coefficient(total, 1.0);
        // In f32, as PyTorch: within its rounding of 1 / 13.
        assert!(
            (coefficient - 1.0 / (13.0 + 1e-6)).abs() < 1e-8,
            "{coefficient}"
        );
        // The clipped norm is the threshold, to f32 precision.
        assert!((coefficient * total - 1.0).abs() < 1e-6);
    }
}
