//! The DPO family against TRL golden values and on extreme margins: one test binary.

mod extreme;
mod golden;
