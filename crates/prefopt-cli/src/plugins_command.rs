//! `prefopt plugins`.

use crate::cli::PluginsArgs;
use anyhow::{Result, bail};
use prefopt::registry::{PluginInfo, plugins};
use serde_json::json;

/// Prints every registered plugin (or one kind): kind, name, summary, paper, example config.
pub fn run(args: &PluginsArgs) -> Result<()> {
    let all = plugins();
    let selected: Vec<&PluginInfo> = match &args.kind {
        Some(kind) => {
            let chosen: Vec<_> = all
                .iter()
                .copied()
                .filter(|p| p.kind.to_string() == *kind)
                .collect();
            if chosen.is_empty() {
                let mut kinds: Vec<String> = all.iter().map(|p| p.kind.to_string()).collect();
                kinds.dedup();
                bail!("no plugin of kind `{kind}`; kinds: {}", kinds.join(", "));
            }
            chosen
        }
        None => all,
    };
    if args.json {
        let list: Vec<_> = selected
            .iter()
            .map(|p| {
                json!({
                    "kind": p.kind.to_string(),
                    "name": p.name,
                    "summary": p.summary,
                    "paper": p.paper,
                    "example": (p.example)().unwrap_or_else(|e| format!("# {e}")),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    for plugin in selected {
        println!("{:<10} {:<12} {}", plugin.kind, plugin.name, plugin.summary);
        println!("{:<10} {:<12} paper: {}", "", "", plugin.paper);
        let example = (plugin.example)().unwrap_or_else(|e| format!("# {e}"));
        for line in example.lines() {
            println!("{:<23} {line}", "");
        }
        println!();
    }
    Ok(())
}
