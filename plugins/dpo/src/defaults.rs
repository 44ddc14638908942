//! Defaults shared by the objectives, taken from TRL's `DPOConfig` and the papers (the values
//! papers and users compare against).

/// TRL's default beta, 0.1.
pub fn beta() -> f64 {
    0.1
}

/// TRL's default `f_alpha_divergence_coef`, 0.5 (the alpha of the alpha-divergence).
pub fn f_alpha_divergence_coef() -> f64 {
    0.5
}

/// TRL's default `discopop_tau`, 0.05, the value the DiscoPOP paper recommends.
pub fn discopop_tau() -> f64 {
    0.05
}

/// EXO's label smoothing epsilon, 1e-3, the value the EXO paper recommends (TRL refuses 0).
pub fn exo_label_smoothing() -> f64 {
    1e-3
}

/// Robust DPO's assumed label-flip rate, 0.1, the typical value the Robust DPO paper
/// recommends (at 0 the loss is DPO's).
pub fn robust_label_smoothing() -> f64 {
    0.1
}
