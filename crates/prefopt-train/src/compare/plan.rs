//! Planning a sweep: every run's config resolved, parsed and validated, and every method
//! checked against its task, before any training.

use super::merge::{deep_merge, display_value, set_dotted};
use super::sweep::{Method, Sweep};
use prefopt_core::burn::tensor::Device;
use prefopt_core::{ExperimentConfig, PrefoptError, Task, TaskInputs};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use toml::Value;

/// Which run of a sweep: method, swept value, seed and directory.
#[derive(Debug, Clone, PartialEq)]
pub struct RunId {
    /// The method's name.
    pub method: String,
    /// The swept key path, if the method sweeps one.
    pub key: Option<String>,
    /// The swept value, as written.
    pub value: Option<String>,
    /// The swept value as a number, when it is one.
    pub coefficient: Option<f64>,
    /// The seed.
    pub seed: u64,
    /// The run directory: `out/<method>/<key>=<value>/seed-<s>`.
    pub dir: PathBuf,
}

impl RunId {
    /// `method "dpo" (beta = 0.1)`: the method entry and its value.
    pub fn entry(&self) -> String {
        match (&self.key, &self.value) {
            (Some(key), Some(value)) => format!("method \"{}\" ({key} = {value})", self.method),
            _ => format!("method \"{}\"", self.method),
        }
    }

    /// `method "dpo" (beta = 0.1), seed 0`: how logs name the run.
    pub fn label(&self) -> String {
        format!("{}, seed {}", self.entry(), self.seed)
    }
}

/// One run of a sweep, ready to start.
#[derive(Debug)]
pub struct PlannedRun {
    /// Which run.
    pub id: RunId,
    /// The parsed config.
    pub config: ExperimentConfig,
    /// The config resolved (every default written), as the run directory's `config.toml`.
    pub resolved: String,
}

/// Every run of `sweep` under `out`, each config parsed and validated as `prefopt run` does.
/// The first config that cannot be built is an error naming the method entry, the value, the
/// place in the sweep (or base) file where the field is written, and what was expected.
pub fn plan(sweep: &Sweep, out: &Path) -> Result<Vec<PlannedRun>, PrefoptError> {
    let mut runs = Vec::new();
    for method in &sweep.methods {
        let values: Vec<Option<&Value>> = match &method.vary {
            Some((_, values)) => values.iter().map(Some).collect(),
            None => vec![None],
        };
        for value in values {
            for &seed in &sweep.seeds {
                runs.push(plan_run(sweep, method, value, seed, out)?);
            }
        }
    }
    Ok(runs)
}

fn plan_run(
    sweep: &Sweep,
    method: &Method,
    value: Option<&Value>,
    seed: u64,
    out: &Path,
) -> Result<PlannedRun, PrefoptError> {
    let key = method.vary.as_ref().map(|(key, _)| key.clone());
    let shown = value.map(display_value);
    let entry = match (&key, &shown) {
        (Some(key), Some(value)) => format!("method \"{}\" ({key} = {value})", method.name),
        _ => format!("method \"{}\"", method.name),
    };
    let fail = |field: &str, message: String| PrefoptError::Parse {
        path: PathBuf::from(sweep.place_of(method, field)),
        message: format!("{entry}: {message}"),
    };
    let mut table = sweep.base.clone();
    deep_merge(&mut table, &method.overrides);
    if let (Some(key), Some(value)) = (&key, value) {
        set_dotted(&mut table, key, value.clone())
            .map_err(|message| fail(key, format!("vary: {message}")))?;
    }
    table.insert("seed".into(), Value::Integer(seed as i64));
    let text = toml::to_string(&table).map_err(|error| fail("", error.to_string()))?;
    let config = ExperimentConfig::parse_located(&text, &sweep.file.path).map_err(|error| {
        let what = if error.field.is_empty() {
            error.message.clone()
        } else {
            format!("`{}`: {}", error.field, error.message)
        };
        fail(&error.field, what)
    })?;
    let resolved = config.to_toml()?;
    let mut dir = out.join(&method.name);
    if let (Some(key), Some(value)) = (&key, &shown) {
        let last = key.rsplit('.').next().unwrap_or(key);
        dir = dir.join(dir_safe(&format!("{last}={value}")));
    }
    Ok(PlannedRun {
        id: RunId {
            method: method.name.clone(),
            coefficient: value
                .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64))),
            key,
            value: shown,
            seed,
            dir: dir.join(format!("seed-{seed}")),
        },
        config,
        resolved,
    })
}

/// A directory name: characters other than letters, digits and `-_.=+` become `_`.
fn dir_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.=+".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Builds each distinct task of `runs` (not the policies) and asks every method's algorithm
/// whether it can run on it ([`Algorithm::check_task`](prefopt_core::Algorithm::check_task)):
/// an error names the method entry and the value. Returns the tasks built, keyed by their
/// resolved `[task]` and `[policy]` sections and seed, for the optimum's curve.
pub fn preflight(
    sweep: &Sweep,
    runs: &[PlannedRun],
    device: &Device,
) -> Result<HashMap<String, Box<dyn Task>>, PrefoptError> {
    let mut tasks: HashMap<String, Box<dyn Task>> = HashMap::new();
    let mut checked: Vec<(String, Option<String>)> = Vec::new();
    for run in runs {
        let config = &run.config;
        let task_key = task_key(config)?;
        if !tasks.contains_key(&task_key) {
            // As a run builds it: with the policy's tokenizer, and pi_ref for tasks whose
            // data are samples from it.
            let reference = |task: &dyn Task| config.policy.build(task, device);
            let task = config
                .task
                .build_with(
                    &TaskInputs::new(config.seed, &|| config.policy.tokenizer())
                        .with_reference_policy(&reference),
                )
                .map_err(|error| refusal(sweep, run, "task", &error))?;
            tasks.insert(task_key.clone(), task);
        }
        let entry = (run.id.method.clone(), run.id.value.clone());
        if checked.contains(&entry) {
            continue;
        }
        checked.push(entry);
        let task = &tasks[&task_key];
        config
            .algorithm
            .check_task(&**task, config.reward.as_deref(), device)
            .map_err(|error| refusal(sweep, run, "algorithm", &error))?;
    }
    Ok(tasks)
}

/// The key a built task is kept under: the sections it is built from, and the seed.
pub fn task_key(config: &ExperimentConfig) -> Result<String, PrefoptError> {
    let task = toml::to_string(&config.task).map_err(|error| PrefoptError::Parse {
        path: "task".into(),
        message: error.to_string(),
    })?;
    let policy = toml::to_string(&config.policy).map_err(|error| PrefoptError::Parse {
        path: "policy".into(),
        message: error.to_string(),
    })?;
    Ok(format!("{task}\n{policy}\nseed = {}", config.seed))
}

fn refusal(sweep: &Sweep, run: &PlannedRun, section: &str, error: &PrefoptError) -> PrefoptError {
    let method = sweep
        .methods
        .iter()
        .find(|m| m.name == run.id.method)
        .expect("runs come from the sweep's methods");
    PrefoptError::Parse {
        path: PathBuf::from(sweep.place_of(method, section)),
        message: format!(
            "{} cannot run on this sweep's task (nothing was trained): {error}",
            run.id.entry()
        ),
    }
}
