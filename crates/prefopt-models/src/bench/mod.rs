//! The model shapes `prefopt bench` and the benchmarks time, matching the reference PyTorch
//! scripts (`scripts/perf/torch_dpo_step.py`) size for size.

mod shapes;

pub use shapes::BenchShape;
