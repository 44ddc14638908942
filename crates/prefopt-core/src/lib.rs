//! # prefopt-core
//!
//! The vocabulary of prefopt. RLHF maximizes `E[r(x,y)] - beta * KL(pi || pi_ref)`; its optimum is
//! `pi*(y|x) = pi_ref(y|x) exp(r(x,y)/beta) / Z(x)` (Rafailov et al. 2023, arXiv:2305.18290, eq. 4).
//! The four roles of that problem are traits here:
//!
//! * [`Policy`] — pi_theta, the model trained;
//! * [`ReferenceModel`] — the frozen pi_ref;
//! * [`RewardModel`] — r(x, y), chosen in a config through [`RewardConfig`];
//! * [`PreferenceObjective`] — a loss on per-sequence log-probs of chosen and rejected
//!   completions ([`PairLogps`]).
//!
//! Around them: the tasks ([`TaskConfig`], [`Task`]), algorithms ([`Algorithm`]), the experiment
//! config ([`ExperimentConfig`]), the plugin registry ([`PluginInfo`], [`plugin`]) and errors.
//! No training loop lives here.

mod algorithm;
pub mod assets;
mod batch;
mod config;
mod config_location;
mod config_path;
mod control;
mod dataset;
mod device;
mod error;
pub mod fs;
pub mod json;
pub mod math;
mod objective;
mod pair;
mod policy;
pub mod registry;
mod reward;
mod reward_config;
mod sampling;
mod task;
mod tokenizer;
mod train_config;
mod train_defaults;
mod training_device;
mod unpaired;
mod user_path;

pub use algorithm::{Algorithm, MetricSink, MetricValues, NullSink, RunContext, RunReport};
pub use batch::{PreferenceBatch, SequenceBatch};
pub use config::{ExperimentConfig, fits_f32};
pub use config_location::LocatedConfigError;
pub use control::{RunControl, StopFlag};
pub use dataset::{Split, TaskBatch, UnpairedBatch, examples_at, held_out_count};
pub use device::{device_name, device_names, parse_device};
pub use error::{ConfigError, PrefoptError};
pub use objective::{PreferenceObjective, validate_beta};
pub use pair::{Metrics, ObjectiveOutput, PairLogps};
pub use policy::concat_pair_sequence_logps;
pub use policy::{ParameterVisit, Policy, PolicyConfig, ReferenceModel, masked_sum};
pub use prefopt_macros::plugin;
pub use registry::{PluginInfo, PluginKind, PluginTrait};
pub use reward::RewardModel;
pub use reward_config::{BuiltReward, RewardConfig};
pub use sampling::{Generation, SamplingOptions};
pub use task::{ReferenceLoader, TabularTruth, Task, TaskConfig, TaskInputs, TokenizerLoader};
pub use tokenizer::{ChatMessage, TextTokenizer};
pub use train_config::TrainConfig;
pub use train_defaults::{LrSchedulerType, TrainDefaults, TrainLength};
pub use unpaired::{DataKind, UnpairedLogps};
pub use user_path::expand_user_path;

/// burn, re-exported so plugins use the exact version prefopt is built on.
pub use burn;
#[doc(hidden)]
pub use inventory;
