//! The sweep's tables: `points.csv` (one row per run), `means.csv` (one per method and value)
//! and `points.md` (both, in Markdown).

use super::points::{Estimate, Mean, Record};
use prefopt_core::PrefoptError;
use prefopt_core::fs::write_atomic;
use std::path::{Path, PathBuf};

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn number(value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| format!("{v}"))
}

fn value_and_se(estimate: Option<Estimate>) -> [String; 2] {
    [
        number(estimate.map(|e| e.value)),
        number(estimate.and_then(|e| e.se)),
    ]
}

/// `points.csv`: one row per run.
pub fn points_csv(records: &[Record]) -> String {
    let mut out = String::from(
        "method,key,value,seed,status,reward,reward_se,kl_reference,kl_reference_se,kl_optimal,\
         kl_optimal_se,wall_seconds,error,dir\n",
    );
    for r in records {
        let mut fields = vec![
            csv_field(&r.id.method),
            csv_field(r.id.key.as_deref().unwrap_or("")),
            csv_field(r.id.value.as_deref().unwrap_or("")),
            r.id.seed.to_string(),
            csv_field(&r.status),
        ];
        for estimate in [r.reward, r.kl_reference, r.kl_optimal] {
            fields.extend(value_and_se(estimate));
        }
        fields.push(number(r.wall_seconds));
        fields.push(csv_field(r.error.as_deref().unwrap_or("")));
        fields.push(csv_field(&r.id.dir.display().to_string()));
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// `means.csv`: one row per (method, value), means over completed seeds.
pub fn means_csv(means: &[Mean]) -> String {
    let mut out = String::from(
        "method,key,value,completed,runs,reward,reward_se,kl_reference,kl_reference_se,\
         kl_optimal,kl_optimal_se,frontier\n",
    );
    for m in means {
        let mut fields = vec![
            csv_field(&m.method),
            csv_field(m.key.as_deref().unwrap_or("")),
            csv_field(m.value.as_deref().unwrap_or("")),
            m.completed.to_string(),
            m.runs.to_string(),
        ];
        for estimate in [m.reward, m.kl_reference, m.kl_optimal] {
            fields.extend(value_and_se(estimate));
        }
        fields.push(m.frontier.to_string());
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// A Markdown cell: `value ± se` to 4 significant figures, `-` when missing.
fn cell(estimate: Option<Estimate>) -> String {
    match estimate {
        None => "-".into(),
        Some(Estimate { value, se: None }) => significant(value),
        Some(Estimate {
            value,
            se: Some(se),
        }) => {
            format!("{} ± {}", significant(value), significant(se))
        }
    }
}

/// `value` to 4 significant figures (scientific below 1e-3).
fn significant(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    if value.abs() < 1e-3 {
        return format!("{value:.2e}");
    }
    let digits = (3 - value.abs().log10().floor() as i32).max(0) as usize;
    format!("{value:.digits$}")
}

fn md_text(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `points.md`: the means (frontier points in bold method names) and every run.
pub fn points_md(title: &str, records: &[Record], means: &[Mean]) -> String {
    let mut out = format!("# {}\n\n", md_text(title));
    out.push_str(
        "Means over completed seeds (± the standard error over seeds; with one seed, the run's \
         own). `frontier`: on its method's reward–KL Pareto frontier.\n\n",
    );
    out.push_str("| method | coefficient | seeds | reward | KL(π‖π_ref) | KL(π‖π*) | frontier |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for m in means {
        out.push_str(&format!(
            "| {} | {} | {}/{} | {} | {} | {} | {} |\n",
            md_text(&m.method),
            coefficient(m.key.as_deref(), m.value.as_deref()),
            m.completed,
            m.runs,
            cell(m.reward),
            cell(m.kl_reference),
            cell(m.kl_optimal),
            if m.frontier { "yes" } else { "" }
        ));
    }
    out.push_str("\nEvery run:\n\n");
    out.push_str("| method | coefficient | seed | status | reward | KL(π‖π_ref) | KL(π‖π*) | seconds | error |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|\n");
    for r in records {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            md_text(&r.id.method),
            coefficient(r.id.key.as_deref(), r.id.value.as_deref()),
            r.id.seed,
            r.status,
            cell(r.reward),
            cell(r.kl_reference),
            cell(r.kl_optimal),
            r.wall_seconds
                .map_or_else(|| "-".into(), |s| format!("{s:.1}")),
            md_text(r.error.as_deref().unwrap_or(""))
        ));
    }
    out
}

/// `beta = 0.1` (the last part of the key path), or `-`.
fn coefficient(key: Option<&str>, value: Option<&str>) -> String {
    match (key, value) {
        (Some(key), Some(value)) => md_text(&format!(
            "{} = {value}",
            key.rsplit('.').next().unwrap_or(key)
        )),
        _ => "-".into(),
    }
}

/// Writes `points.csv`, `means.csv` and `points.md` into `dir` (atomically) and returns them.
pub fn write_tables(
    dir: &Path,
    title: &str,
    records: &[Record],
    means: &[Mean],
) -> Result<Vec<PathBuf>, PrefoptError> {
    let files = [
        ("points.csv", points_csv(records)),
        ("means.csv", means_csv(means)),
        ("points.md", points_md(title, records, means)),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_commas_and_quotes_are_quoted() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
    }

    #[test]
    fn numbers_keep_four_significant_figures() {
        assert_eq!(significant(1.23456), "1.235");
        assert_eq!(significant(123.456), "123.5");
        assert_eq!(significant(0.0123456), "0.01235");
        assert_eq!(significant(0.00012), "1.20e-4");
        assert_eq!(significant(12345.6), "12346");
    }
}
