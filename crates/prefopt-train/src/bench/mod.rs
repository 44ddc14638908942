//! Whole-step timings for `prefopt bench` and the benchmarks: a DPO training step exactly as the
//! offline trainer runs it ([`time_dpo_steps`]), the reference's share of it
//! ([`time_reference`]), generation throughput ([`time_generation`]), peak memory
//! ([`peak_rss_bytes`]) and the order statistics they are reported with ([`Summary`]).

mod dpo_step;
mod generation;
mod memory;
mod pair_data;
mod stats;

pub use dpo_step::{StepInputs, StepPhases, phase_summaries, time_dpo_steps, time_reference};
pub use generation::{GenerationTiming, random_prompts, time_generation};
pub use memory::{current_rss_bytes, peak_rss_bytes, status_field_bytes};
pub use pair_data::BenchPairs;
pub use stats::Summary;
