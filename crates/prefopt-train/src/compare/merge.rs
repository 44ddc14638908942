//! Building a run's config table: a deep merge of TOML tables and setting a dotted key.

use toml::{Table, Value};

/// Merges `over` into `base`, `over` winning: tables merge key by key, recursively; any other
/// value replaces the base's. A plugin table (one with a `type` key) whose `type` differs from
/// the base's replaces it whole, since the base's fields belong to another plugin.
pub fn deep_merge(base: &mut Table, over: &Table) {
    for (key, value) in over {
        match (base.get_mut(key), value) {
            (Some(Value::Table(mine)), Value::Table(theirs)) if same_plugin(mine, theirs) => {
                deep_merge(mine, theirs);
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// Whether two tables configure the same plugin (or are not plugin tables).
fn same_plugin(base: &Table, over: &Table) -> bool {
    match (base.get("type"), over.get("type")) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// Sets the dotted `path` (`algorithm.objective.beta`) in `table` to `value`. Every section on
/// the way must exist (a missing one is most likely a misspelt key); the last key may be new
/// (a default made explicit). The error says which section is missing or not a table.
pub fn set_dotted(table: &mut Table, path: &str, value: Value) -> Result<(), String> {
    let keys: Vec<&str> = path.split('.').collect();
    if keys.iter().any(|key| key.is_empty()) {
        return Err(format!(
            "`{path}` is not a dotted key path such as `algorithm.kl_coef`"
        ));
    }
    let (last, sections) = keys.split_last().expect("split yields at least one key");
    let mut current = table;
    for (depth, key) in sections.iter().enumerate() {
        let so_far = keys[..=depth].join(".");
        current = match current.get_mut(*key) {
            Some(Value::Table(inner)) => inner,
            Some(other) => {
                return Err(format!(
                    "`{so_far}` is a {}, not a section, in this method's config",
                    other.type_str()
                ));
            }
            None => {
                return Err(format!(
                    "this method's config has no section `{so_far}` for `{path}` to go in"
                ));
            }
        };
    }
    current.insert((*last).to_string(), value);
    Ok(())
}

/// A TOML value as written in a table or a directory name: numbers and booleans as TOML writes
/// them, strings without quotes, anything else in TOML's inline form.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Float(number) => number.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        text.parse().unwrap()
    }

    #[test]
    fn tables_merge_and_a_different_plugin_replaces_the_base() {
        let mut base = table(
            "seed = 1\n[algorithm]\ntype = \"offline\"\n[algorithm.objective]\ntype = \"dpo\"\nbeta = 0.1\n[train]\nsteps = 10\nlr = 0.5\n",
        );
        deep_merge(
            &mut base,
            &table(
                "[algorithm.objective]\ntype = \"dpo\"\nlabel_smoothing = 0.1\n[train]\nsteps = 20\n",
            ),
        );
        assert_eq!(base["train"]["steps"].as_integer(), Some(20));
        assert_eq!(base["train"]["lr"].as_float(), Some(0.5));
        assert_eq!(base["algorithm"]["objective"]["beta"].as_float(), Some(0.1));
        assert_eq!(
            base["algorithm"]["objective"]["label_smoothing"].as_float(),
            Some(0.1)
        );
        deep_merge(
            &mut base,
            &table("[algorithm]\ntype = \"ppo\"\nkl_coef = 0.2\n"),
        );
        let algorithm = base["algorithm"].as_table().unwrap();
        assert_eq!(algorithm.len(), 2, "{algorithm:?}");
        assert_eq!(algorithm["kl_coef"].as_float(), Some(0.2));
    }

    #[test]
    fn dotted_keys_set_values_inside_existing_sections_only() {
        let mut config =
            table("[algorithm]\ntype = \"offline\"\n[algorithm.objective]\ntype = \"ipo\"\n");
        set_dotted(&mut config, "algorithm.objective.beta", Value::Float(0.5)).unwrap();
        assert_eq!(
            config["algorithm"]["objective"]["beta"].as_float(),
            Some(0.5)
        );
        let error =
            set_dotted(&mut config, "algorithm.objectiv.beta", Value::Float(0.5)).unwrap_err();
        assert!(error.contains("no section `algorithm.objectiv`"), "{error}");
        let error = set_dotted(&mut config, "algorithm.type.beta", Value::Float(0.5)).unwrap_err();
        assert!(error.contains("`algorithm.type` is a string"), "{error}");
        assert!(set_dotted(&mut config, "algorithm..beta", Value::Float(0.5)).is_err());
    }

    #[test]
    fn values_display_as_written() {
        assert_eq!(display_value(&Value::Float(0.1)), "0.1");
        assert_eq!(display_value(&Value::Float(2.0)), "2");
        assert_eq!(display_value(&Value::Integer(3)), "3");
        assert_eq!(display_value(&Value::String("k3".into())), "k3");
    }
}
