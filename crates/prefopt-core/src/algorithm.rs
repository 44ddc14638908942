//! Algorithms: what a run does with a task and a policy.

use crate::{
    ConfigError, PluginKind, PluginTrait, Policy, PolicyConfig, PrefoptError, RewardConfig,
    RunControl, Task, TrainConfig,
};
use burn::tensor::Device;
use std::fmt::Debug;
use std::path::PathBuf;

/// Named metric values, in the order they were produced.
pub type MetricValues = Vec<(String, f64)>;

/// Receives the metrics of a run as it goes (a JSONL file, a progress bar, a test's vector).
pub trait MetricSink {
    /// Records the metrics of one logged step.
    fn log(&mut self, step: usize, values: &MetricValues) -> Result<(), PrefoptError>;

    /// Reports progress: `done` of `total` units of work.
    fn progress(&mut self, _done: usize, _total: usize) {}
}

/// A sink that drops everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl MetricSink for NullSink {
    fn log(&mut self, _step: usize, _values: &MetricValues) -> Result<(), PrefoptError> {
        Ok(())
    }
}

/// What an algorithm runs with.
pub struct RunContext<'a> {
    /// The built task.
    pub task: &'a dyn Task,
    /// How to build the policy.
    pub policy: &'a dyn PolicyConfig,
    /// How to build the reward model (`[reward]`), for algorithms that score completions
    /// (PPO, GRPO, RLOO); none when the config has no `[reward]` section.
    pub reward: Option<&'a dyn RewardConfig>,
    /// Steps, batch size, learning rate, ...
    pub train: &'a TrainConfig,
    /// The device to compute on (without autodiff; trainers add it).
    pub device: Device,
    /// The run's seed.
    pub seed: u64,
    /// Where per-step metrics go.
    pub sink: &'a mut dyn MetricSink,
    /// The run directory, where checkpoints go (none: no checkpoints).
    pub out_dir: Option<PathBuf>,
    /// Stop requests, and the checkpoint to resume from. Training algorithms check
    /// `control.stop` at every step boundary: when raised they finish the step, write a
    /// checkpoint under `out_dir/checkpoints/`, call `stop.stopped_after(steps)` and return the
    /// report at that step.
    pub control: RunControl,
}

/// What an algorithm returns.
#[derive(Debug, Default)]
pub struct RunReport {
    /// The final value of every metric.
    pub metrics: MetricValues,
    /// Extra JSON artifacts for the run directory: (file name, content).
    pub artifacts: Vec<(String, serde_json::Value)>,
    /// The trained policy, when the algorithm trains one.
    pub policy: Option<Box<dyn Policy>>,
    /// Optimizer steps taken (0 for closed-form algorithms).
    pub steps: usize,
}

/// An algorithm: `[algorithm] type = "..."` in a config (offline preference training, the exact
/// optimum through the partition function, PPO, ...).
#[typetag::serde(tag = "type")]
pub trait Algorithm: Debug + Send + Sync {
    /// Runs to completion.
    fn run(&self, ctx: &mut RunContext<'_>) -> Result<RunReport, PrefoptError>;

    /// Rejects values the algorithm cannot take, naming the field.
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }

    /// Refuses, before any training, a `task` (already built) or a `[reward]` section this
    /// algorithm cannot run with: `exact` needs a task whose outputs can be enumerated, on-policy
    /// algorithms need prompts and a reward, a paired objective needs paired data. Cheap: it
    /// builds no policy and trains nothing (`prefopt compare` calls it for every entry of a
    /// sweep before the first run). The default accepts everything; `run` still reports what
    /// this does not catch.
    fn check_task(
        &self,
        task: &dyn Task,
        reward: Option<&dyn RewardConfig>,
        device: &Device,
    ) -> Result<(), PrefoptError> {
        let _ = (task, reward, device);
        Ok(())
    }
}

impl PluginTrait for dyn Algorithm {
    const KIND: PluginKind = PluginKind::Algorithm;
    const SECTION: &'static str = "algorithm";
}
