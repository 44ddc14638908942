//! Learning-rate schedules as transformers computes them (`transformers/optimization.py`): a
//! linear warmup from 0, then constant, linear decay or cosine decay.
//!
//! The learning rate is a pure function of the optimizer step, so a resumed run needs no
//! scheduler state; checkpoints record the schedule for reading.

use prefopt_core::{LrSchedulerType, TrainConfig};
use serde::{Deserialize, Serialize};

/// The learning rate of every optimizer step of a run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LrSchedule {
    /// The schedule after the warmup.
    pub kind: LrSchedulerType,
    /// The peak learning rate.
    pub base: f64,
    /// Warmup steps.
    pub warmup: usize,
    /// Optimizer steps of the whole run.
    pub total: usize,
}

impl LrSchedule {
    /// The schedule of `train` over `total` optimizer steps.
    pub fn new(train: &TrainConfig, total: usize) -> Self {
        Self {
            kind: train.lr_scheduler_type(),
            base: train.lr(),
            warmup: train.warmup(total),
            total,
        }
    }

    /// The multiplier of the base learning rate at optimizer step `step` (0-based: the first
    /// update uses `factor(0)`, 0 during a warmup), transformers' `lr_lambda`:
    ///
    /// * warmup, `step < warmup`: `step / max(1, warmup)`;
    /// * `constant`: 1;
    /// * `linear`: `max(0, (total - step) / max(1, total - warmup))`;
    /// * `cosine`: `max(0, (1 + cos(pi * progress)) / 2)` with
    ///   `progress = (step - warmup) / max(1, total - warmup)`.
    pub fn factor(&self, step: usize) -> f64 {
        if step < self.warmup {
            return step as f64 / self.warmup.max(1) as f64;
        }
        let decay_steps = self.total.saturating_sub(self.warmup).max(1) as f64;
        match self.kind {
            LrSchedulerType::Constant => 1.0,
            LrSchedulerType::Linear => (self.total as f64 - step as f64).max(0.0) / decay_steps,
            LrSchedulerType::Cosine => {
                let progress = (step - self.warmup) as f64 / decay_steps;
                (0.5 * (1.0 + (std::f64::consts::PI * progress).cos())).max(0.0)
            }
        }
    }

    /// The learning rate of optimizer step `step`: `base * factor(step)`.
    pub fn lr(&self, step: usize) -> f64 {
        self.base * self.factor(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedule(kind: LrSchedulerType, warmup: usize, total: usize) -> LrSchedule {
        LrSchedule {
            kind,
            base: 2e-5,
            warmup,
            total,
        }
    }

    fn assert_close(got: f64, want: f64) {
        assert!((got - want).abs() <= 1e-15, "{got} vs {want}");
    }

    /// Values of transformers' `get_linear_schedule_with_warmup(opt, 3, 10)` lambdas, worked
    /// by hand from its formula: 0, 1/3, 2/3, then (10 - t) / 7.
    #[test]
    fn linear_warmup_then_decay_to_zero() {
        let s = schedule(LrSchedulerType::Linear, 3, 10);
        let expected = [
            0.0,
            1.0 / 3.0,
            2.0 / 3.0,
            1.0,
            6.0 / 7.0,
            5.0 / 7.0,
            4.0 / 7.0,
            3.0 / 7.0,
            2.0 / 7.0,
            1.0 / 7.0,
            0.0,
        ];
        for (step, want) in expected.into_iter().enumerate() {
            assert_close(s.factor(step), want);
        }
        assert_close(s.lr(4), 2e-5 * 6.0 / 7.0);
        assert_eq!(s.factor(12), 0.0, "past the end it stays at 0");
    }

    /// `get_cosine_schedule_with_warmup(opt, 2, 10)`: after the warmup,
    /// `0.5 * (1 + cos(pi * (t - 2) / 8))`: 1, 0.9619397662556434, 0.8535533905932737, 0.5 at
    /// t = 6, 0 at t = 10.
    #[test]
    fn cosine_after_warmup() {
        let s = schedule(LrSchedulerType::Cosine, 2, 10);
        assert_close(s.factor(0), 0.0);
        assert_close(s.factor(1), 0.5);
        assert_close(s.factor(2), 1.0);
        assert_close(s.factor(3), 0.961_939_766_255_643_4);
        assert_close(s.factor(4), 0.853_553_390_593_273_7);
        assert_close(s.factor(6), 0.5);
        assert_close(s.factor(10), 0.0);
    }

    /// `get_constant_schedule_with_warmup(opt, 4)`: t / 4, then 1.
    #[test]
    fn constant_with_and_without_warmup() {
        let s = schedule(LrSchedulerType::Constant, 4, 10);
        assert_close(s.factor(1), 0.25);
        assert_close(s.factor(4), 1.0);
        assert_close(s.factor(9), 1.0);
        let plain = schedule(LrSchedulerType::Constant, 0, 10);
        assert_close(plain.factor(0), 1.0);
    }

    /// No decay steps left (warmup as long as the run): the divisor is clamped to 1 as
    /// transformers does, and nothing divides by zero.
    #[test]
    fn degenerate_lengths_stay_finite() {
        let s = schedule(LrSchedulerType::Linear, 5, 5);
        assert_close(s.factor(5), 0.0);
        let none = schedule(LrSchedulerType::Cosine, 0, 0);
        assert_close(none.factor(0), 1.0);
    }
}
