//! # prefopt
//!
//! Preference optimization on burn. This front crate re-exports the framework and links every
//! built-in plugin, so that `prefopt::registry::plugins()` lists them all:
//!
//! * tasks: `bandit` ([`data`]);
//! * policies: `tabular` ([`models`]);
//! * algorithms: `offline` ([`train`]), `exact` ([`partition`]), `reward_model`, `ppo`,
//!   `grpo`, `rloo` ([`ppo`]);
//! * reward models: `ground_truth`, `learned`, `saved` ([`ppo`]);
//! * objectives: the DPO family ([`dpo`]), SimPO, CPO, ORPO ([`reference_free`]), KTO ([`kto`]).
//!
//! Backends are cargo features (`flex`, the default pure-Rust CPU; `tch`; `cuda`); the device is
//! chosen at run time ([`parse_device`]).
//!
//! Out-of-tree plugin crates must be referenced too (`use my_plugin as _;`), or the linker drops
//! their registrations.

pub use prefopt_core::*;
/// Preference data and synthetic tasks.
pub use prefopt_data as data;
/// DPO and its pairwise family.
pub use prefopt_dpo as dpo;
/// KTO: unpaired desirable / undesirable data.
pub use prefopt_kto as kto;
/// Policies and references as burn modules.
pub use prefopt_models as models;
/// The partition function, pi*, and the `exact` algorithm.
pub use prefopt_partition as partition;
/// The RLHF baseline: reward models, the reward-model trainer, PPO, GRPO, RLOO.
pub use prefopt_ppo as ppo;
/// Reference-free objectives: SimPO, CPO, ORPO.
pub use prefopt_reference_free as reference_free;
/// Training loops, sinks, run directories, plots.
pub use prefopt_train as train;

/// What most programs need.
pub mod prelude {
    pub use prefopt_core::burn::tensor::{Device, Tensor};
    pub use prefopt_core::{
        Algorithm, ExperimentConfig, ObjectiveOutput, PairLogps, Policy, PolicyConfig,
        PreferenceObjective, ReferenceModel, RewardModel, Task, TaskConfig, TrainConfig,
        parse_device, plugin,
    };
    pub use prefopt_train::{RunOptions, run_experiment};
}
