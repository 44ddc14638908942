//! The points of a sweep: each run's reward and KLs read from its `summary.json`, and their
//! means over seeds with each method's Pareto frontier.

use super::plan::RunId;
use serde_json::{Map, Value};

/// The metric of the x axis: `KL(pi || pi_ref)`, sequence-level (exact on enumerable tasks,
/// sampled on language-model tasks).
pub const KL_REFERENCE: &str = "kl/reference";
/// `KL(pi || pi*)`, where the task knows pi* (exactly or by a Monte-Carlo partition function).
pub const KL_OPTIMAL: &str = "kl/optimal";
/// The y axis: the mean ground-truth reward of the policy's samples.
pub const REWARD: &str = "reward/true";

/// A value and its standard error, when one was reported (`<name>_se` in `summary.json`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Estimate {
    /// The value.
    pub value: f64,
    /// Its standard error (none: exact, or not reported).
    pub se: Option<f64>,
}

/// One run's point: what it is, how it ended, and its metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Which run.
    pub id: RunId,
    /// `completed`, `failed`, `interrupted`, `running` (killed), or `not run`.
    pub status: String,
    /// The first line of the error of a failed run.
    pub error: Option<String>,
    /// `reward/true`.
    pub reward: Option<Estimate>,
    /// `kl/reference`.
    pub kl_reference: Option<Estimate>,
    /// `kl/optimal`.
    pub kl_optimal: Option<Estimate>,
    /// `wall_seconds` of the run (all its starts).
    pub wall_seconds: Option<f64>,
}

impl Record {
    /// A run that was not started.
    pub fn not_run(id: &RunId) -> Self {
        Self {
            id: id.clone(),
            status: "not run".into(),
            error: None,
            reward: None,
            kl_reference: None,
            kl_optimal: None,
            wall_seconds: None,
        }
    }

    /// The record of a run from its `summary.json` (none: the run never wrote one).
    pub fn from_dir(id: &RunId, summary: Option<Map<String, Value>>) -> Self {
        let mut record = Self::not_run(id);
        let Some(summary) = summary else {
            record.status = "failed".into();
            return record;
        };
        let number = |name: &str| summary.get(name).and_then(Value::as_f64);
        let estimate = |name: &str| {
            number(name).map(|value| Estimate {
                value,
                se: number(&format!("{name}_se")).filter(|se| se.is_finite()),
            })
        };
        record.status = summary
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("completed")
            .to_string();
        record.error = summary.get("error").and_then(Value::as_str).map(first_line);
        record.reward = estimate(REWARD);
        record.kl_reference = estimate(KL_REFERENCE);
        record.kl_optimal = estimate(KL_OPTIMAL);
        record.wall_seconds = number("wall_seconds");
        record
    }

    /// Marks the run failed with (the first line of) `error`.
    pub fn fail(&mut self, error: &str) {
        self.status = "failed".into();
        self.error = Some(first_line(error));
    }

    /// Whether the run completed (its point counts).
    pub fn completed(&self) -> bool {
        self.status == "completed"
    }

    /// One line for the log: the point, or the status and error.
    pub fn describe(&self) -> String {
        if !self.completed() {
            return match &self.error {
                Some(error) => format!("{}: {error}", self.status),
                None => self.status.clone(),
            };
        }
        let show =
            |e: Option<Estimate>| e.map_or_else(|| "-".into(), |e| format!("{:.4}", e.value));
        format!(
            "reward {} KL(pi||pi_ref) {} KL(pi||pi*) {} in {:.1} s",
            show(self.reward),
            show(self.kl_reference),
            show(self.kl_optimal),
            self.wall_seconds.unwrap_or(f64::NAN)
        )
    }
}

/// The first line of a message.
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_string()
}

/// The mean of one (method, value) over its completed seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct Mean {
    /// The method.
    pub method: String,
    /// The swept key path.
    pub key: Option<String>,
    /// The swept value, as written.
    pub value: Option<String>,
    /// The swept value as a number.
    pub coefficient: Option<f64>,
    /// Seeds completed, of `runs`.
    pub completed: usize,
    /// Runs of this (method, value).
    pub runs: usize,
    /// Mean reward; the standard error over seeds (with one seed: the run's own).
    pub reward: Option<Estimate>,
    /// Mean `KL(pi || pi_ref)`, likewise.
    pub kl_reference: Option<Estimate>,
    /// Mean `KL(pi || pi*)`, likewise.
    pub kl_optimal: Option<Estimate>,
    /// On its method's Pareto frontier: no other value of the method has both a KL as small
    /// and a reward as large (one of them strictly).
    pub frontier: bool,
}

/// The per-(method, value) means of `records` (in their order), with each method's frontier
/// marked.
pub fn means(records: &[Record]) -> Vec<Mean> {
    let mut groups: Vec<Vec<&Record>> = Vec::new();
    for record in records {
        match groups
            .iter_mut()
            .find(|g| g[0].id.method == record.id.method && g[0].id.value == record.id.value)
        {
            Some(group) => group.push(record),
            None => groups.push(vec![record]),
        }
    }
    let mut means: Vec<Mean> = groups
        .into_iter()
        .map(|group| {
            let done: Vec<&Record> = group.iter().copied().filter(|r| r.completed()).collect();
            let first = &group[0].id;
            Mean {
                method: first.method.clone(),
                key: first.key.clone(),
                value: first.value.clone(),
                coefficient: first.coefficient,
                completed: done.len(),
                runs: group.len(),
                reward: mean_of(done.iter().map(|r| r.reward)),
                kl_reference: mean_of(done.iter().map(|r| r.kl_reference)),
                kl_optimal: mean_of(done.iter().map(|r| r.kl_optimal)),
                frontier: false,
            }
        })
        .collect();
    for index in 0..means.len() {
        let Some((kl, reward)) = xy(&means[index]) else {
            continue;
        };
        let dominated = means.iter().any(|other| {
            other.method == means[index].method
                && xy(other).is_some_and(|(k, r)| k <= kl && r >= reward && (k < kl || r > reward))
        });
        means[index].frontier = !dominated;
    }
    means
}

/// `(KL to the reference, reward)` of a mean, when both are known.
pub fn xy(mean: &Mean) -> Option<(f64, f64)> {
    let kl = mean.kl_reference?.value;
    let reward = mean.reward?.value;
    (kl.is_finite() && reward.is_finite()).then_some((kl, reward))
}

/// The mean of the estimates that exist, with the standard error over them (with one, its own
/// standard error); none when none exists.
fn mean_of(values: impl Iterator<Item = Option<Estimate>>) -> Option<Estimate> {
    let values: Vec<Estimate> = values.flatten().filter(|e| e.value.is_finite()).collect();
    let n = values.len();
    match n {
        0 => None,
        1 => Some(values[0]),
        _ => {
            let mean = values.iter().map(|e| e.value).sum::<f64>() / n as f64;
            let var = values.iter().map(|e| (e.value - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            Some(Estimate {
                value: mean,
                se: Some((var / n as f64).sqrt()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(method: &str, value: &str, seed: u64, kl: f64, reward: f64) -> Record {
        let id = RunId {
            method: method.into(),
            key: Some("algorithm.kl_coef".into()),
            value: Some(value.into()),
            coefficient: value.parse().ok(),
            seed,
            dir: "d".into(),
        };
        let mut summary = Map::new();
        summary.insert("status".into(), "completed".into());
        summary.insert(KL_REFERENCE.into(), kl.into());
        summary.insert(REWARD.into(), reward.into());
        Record::from_dir(&id, Some(summary))
    }

    #[test]
    fn means_average_seeds_and_mark_each_methods_frontier() {
        let mut failed = record("a", "0.5", 2, 0.0, 0.0);
        failed.fail("boom\nsecond line");
        let records = vec![
            record("a", "0.1", 0, 1.0, 2.0),
            record("a", "0.1", 1, 3.0, 4.0),
            record("a", "0.5", 0, 1.0, 1.0),
            failed,
            record("b", "0.1", 0, 5.0, 0.5),
        ];
        let means = means(&records);
        assert_eq!(means.len(), 3);
        let a1 = &means[0];
        assert_eq!(a1.kl_reference.unwrap().value, 2.0);
        assert_eq!(a1.reward.unwrap().value, 3.0);
        // sd of (2, 4) is sqrt(2); over sqrt(2) seeds: 1.
        assert!((a1.reward.unwrap().se.unwrap() - 1.0).abs() < 1e-12);
        assert!(a1.frontier);
        let a5 = &means[1];
        assert_eq!((a5.completed, a5.runs), (1, 2));
        // (1, 1) is not dominated by (2, 3): smaller KL.
        assert!(a5.frontier);
        // b is alone in its method: on its frontier even though a's points beat it.
        assert!(means[2].frontier);
        assert_eq!(records[3].error.as_deref(), Some("boom"));
    }

    #[test]
    fn a_dominated_value_is_off_the_frontier() {
        let records = vec![record("a", "1", 0, 1.0, 2.0), record("a", "2", 0, 2.0, 1.0)];
        let means = means(&records);
        assert!(means[0].frontier);
        assert!(!means[1].frontier);
    }
}
