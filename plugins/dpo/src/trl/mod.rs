//! TRL's loss settings as prefopt objectives: [`TrlSettings`] (the loss fields of TRL's
//! `DPOConfig`), [`translate`] (settings to an objective: one, or a [`Weighted`](crate::Weighted)
//! sum) and the [`Trl`] objective, registered as `trl`, whose config is those settings.

mod objective;
mod settings;
mod translate;

pub use objective::Trl;
pub use settings::TrlSettings;
pub use translate::{LOSS_TYPES, translate};
