//! Defaults shared by the objectives, taken from TRL's `DPOConfig` (the values papers and users
//! compare against).

/// TRL's default beta, 0.1.
pub fn beta() -> f64 {
    0.1
}
