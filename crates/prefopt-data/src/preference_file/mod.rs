//! Readers for preference data files, in the formats TRL documents
//! (<https://huggingface.co/docs/trl/dataset_formats>) and LLaMA-Factory's ShareGPT format.
//!
//! Paired files ([`read_preference_file`]) may be in
//! - TRL's **standard preference** format: `prompt`, `chosen`, `rejected`, each a string, or each a
//!   list of `{role, content}` messages (TRL's **conversational** form);
//! - TRL's **implicit prompt** format: `chosen` and `rejected` only; the prompt is their longest
//!   common prefix (text) or their shared leading messages (conversational);
//! - LLaMA-Factory's **ShareGPT** format (its `dpo_en_demo.json`): `conversations`, a list of
//!   `{from, value}` with `from` one of `human`, `gpt`, `system`, `function_call`, `observation`,
//!   and `chosen`/`rejected`, one `{from, value}` message each.
//!
//! Unpaired (KTO) files ([`read_unpaired_file`]) may be in
//! - TRL's **unpaired preference** format: `prompt`, `completion`, `label` (bool), text or
//!   conversational;
//! - LLaMA-Factory's KTO format (its `kto_en_demo.json`): `messages`, a list of `{role, content}`
//!   ending in the assistant's completion, and `label`.
//!
//! A file is either JSON lines (one object per line, blank lines skipped) or one JSON array of
//! objects, told apart by content (a first non-space `[` means an array), not by extension. The
//! format is detected from the first record's keys; every record must then match it.
//!
//! Every record is checked: no field missing or empty, message roles known
//! ([`KNOWN_ROLES`]), a prompt ending with a user turn and completions starting with the
//! assistant's, chosen and rejected different, and an optional `weight` a finite number >= 0
//! (a `NaN` written by Python's json is named as such). [`read_file`] reads either kind, and with
//! [`OnBadExample::Skip`] leaves unusable records out, returning their errors.

mod checks;
mod error;
mod fields;
mod formats;
mod implicit;
mod load;
mod nonfinite;
mod read;
mod record;
mod sharegpt;

pub use checks::{COMPLETION_START_ROLES, KNOWN_ROLES, PROMPT_END_ROLES};
pub use error::{PreferenceFileError, RecordLocation};
pub use formats::{PreferenceFormat, UnpairedFormat};
pub use implicit::{split_implicit_messages, split_implicit_text};
pub use read::{
    FileContents, FileFormat, FileRecords, OnBadExample, read_file, read_preference_file,
    read_unpaired_file,
};
pub use record::{Completion, Content, PreferenceRecord, Prompt, UnpairedRecord};
