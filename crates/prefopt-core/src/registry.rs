//! The plugin registry.
//!
//! A plugin is a type implementing one of the plugin traits, registered with the
//! [`plugin`](crate::plugin) attribute. `typetag` picks the implementation from a config's
//! `type = "..."`; `inventory` lists every registered plugin ([`plugins`]) for `prefopt plugins`,
//! the docs and the conformance suite.

use serde::{Serialize, de::DeserializeOwned};
use std::fmt;

/// The kind of a plugin: which trait it implements, and so which config section it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PluginKind {
    /// A task ([`TaskConfig`](crate::TaskConfig)): data, and the truth where it is known.
    Task,
    /// A policy ([`PolicyConfig`](crate::PolicyConfig)).
    Policy,
    /// An algorithm ([`Algorithm`](crate::Algorithm)): offline training, the exact optimum, ...
    Algorithm,
    /// A preference objective ([`PreferenceObjective`](crate::PreferenceObjective)).
    Objective,
    /// A reward model ([`RewardConfig`](crate::RewardConfig), `[reward]`): the task's truth, one
    /// learned from preferences, or one saved by an earlier run.
    Reward,
}

impl fmt::Display for PluginKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PluginKind::Task => "task",
            PluginKind::Policy => "policy",
            PluginKind::Algorithm => "algorithm",
            PluginKind::Objective => "objective",
            PluginKind::Reward => "reward",
        })
    }
}

/// Implemented by `dyn Trait` for every plugin trait: the kind, and the config section that
/// holds one (`task`, `policy`, `algorithm`, `algorithm.objective`, `reward`).
pub trait PluginTrait {
    /// The kind of plugin this trait makes.
    const KIND: PluginKind;
    /// The TOML section an example config of this kind is written under.
    const SECTION: &'static str;
}

/// One registered plugin, as listed by `prefopt plugins`.
#[derive(Debug)]
pub struct PluginInfo {
    /// Which trait it implements.
    pub kind: PluginKind,
    /// The `type = "..."` that selects it.
    pub name: &'static str,
    /// One line: what it is.
    pub summary: &'static str,
    /// Where it comes from (an arXiv id or a reference; "-" for infrastructure).
    pub paper: &'static str,
    /// Its example config (its `Default`), as a TOML section.
    pub example: fn() -> Result<String, String>,
    /// Parses a TOML section of this plugin's trait and re-serializes it: the round trip the
    /// conformance suite checks.
    pub check_example: fn(&str) -> Result<String, String>,
}

inventory::collect!(PluginInfo);

/// Every registered plugin, sorted by kind then name.
pub fn plugins() -> Vec<&'static PluginInfo> {
    let mut all: Vec<_> = inventory::iter::<PluginInfo>.into_iter().collect();
    all.sort_by_key(|info| (info.kind, info.name));
    all
}

/// The registered plugins of one kind.
pub fn plugins_of(kind: PluginKind) -> Vec<&'static PluginInfo> {
    plugins()
        .into_iter()
        .filter(|info| info.kind == kind)
        .collect()
}

/// Finds a registered plugin by kind and name.
pub fn find(kind: PluginKind, name: &str) -> Option<&'static PluginInfo> {
    plugins()
        .into_iter()
        .find(|info| info.kind == kind && info.name == name)
}

/// Writes `value` as a TOML document with `value` under `[section]` (dotted sections nest).
pub fn example_config<T: Serialize + ?Sized>(section: &str, value: &T) -> Result<String, String> {
    let value = toml::Value::try_from(value).map_err(|e| e.to_string())?;
    let mut document = value;
    for key in section.rsplit('.') {
        let mut table = toml::Table::new();
        table.insert(key.to_string(), document);
        document = toml::Value::Table(table);
    }
    toml::to_string(&document).map_err(|e| e.to_string())
}

/// Parses a TOML document holding a `T` under `[section]`, and writes it back: the round trip.
pub fn check_example<T: Serialize + DeserializeOwned>(
    section: &str,
    text: &str,
) -> Result<String, String> {
    let mut value: toml::Value = toml::from_str(text).map_err(|e| e.to_string())?;
    for key in section.split('.') {
        value = match value {
            toml::Value::Table(mut table) => table
                .remove(key)
                .ok_or_else(|| format!("missing section `{section}`"))?,
            _ => return Err(format!("`{key}` is not a table")),
        };
    }
    let parsed: T = value
        .try_into()
        .map_err(|e: toml::de::Error| e.to_string())?;
    example_config(section, &parsed)
}
