//! Every config error says where: the line and column of the offending value, its dotted field
//! path, and what was expected. A table of broken configs and what each must report.

use prefopt::{ExperimentConfig, LocatedConfigError};
use std::path::Path;

/// A valid config; each case edits one line of it. Line numbers, for reading the table:
///  1 seed = 3 / 2 [task] / 3 type / 4 contexts / 5 actions / 6 [policy] / 7 type /
///  8 [algorithm] / 9 type / 10 [algorithm.objective] / 11 type / 12 beta / 13 [train] /
/// 14 steps / 15 lr
const BASE: &str = r#"seed = 3
[task]
type = "bandit"
contexts = 2
actions = 4
[policy]
type = "tabular"
[algorithm]
type = "offline"
[algorithm.objective]
type = "dpo"
beta = 0.5
[train]
steps = 20
lr = 0.05
"#;

/// `(replace, with, line, column, field, phrase)`: the error of BASE with `replace` replaced.
const CASES: &[(&str, &str, usize, usize, &str, &str)] = &[
    // Plugins: unknown name, missing `type`, a value where a plugin table belongs.
    (
        "type = \"dpo\"",
        "type = \"no_such_loss\"",
        11,
        8,
        "algorithm.objective.type",
        "`no_such_loss`; registered: ",
    ),
    (
        "type = \"bandit\"",
        "type = \"bandits\"",
        3,
        8,
        "task.type",
        "`bandits`; registered: `bandit`",
    ),
    (
        "type = \"dpo\"\n",
        "",
        10,
        1,
        "algorithm.objective.type",
        "missing: `type = \"...\"` names the plugin",
    ),
    (
        "[algorithm.objective]\ntype = \"dpo\"\nbeta = 0.5",
        "objective = \"dpo\"",
        10,
        13,
        "algorithm.objective",
        "expected a table selecting a PreferenceObjective plugin",
    ),
    // Fields inside plugin sections: unknown, wrong type, refused by validate().
    (
        "beta = 0.5",
        "betta = 0.5",
        12,
        1,
        "algorithm.objective.betta",
        "unknown field `betta`",
    ),
    (
        "beta = 0.5",
        "beta = \"x\"",
        12,
        8,
        "algorithm.objective.beta",
        "expected a number",
    ),
    (
        "beta = 0.5",
        "beta = -1.0",
        12,
        8,
        "algorithm.objective.beta",
        "must be a finite number > 0",
    ),
    (
        "beta = 0.5",
        "beta = 1e308",
        12,
        8,
        "algorithm.objective.beta",
        "overflows f32",
    ),
    (
        "actions = 4",
        "actoins = 4",
        5,
        1,
        "task.actoins",
        "unknown field `actoins`",
    ),
    (
        "actions = 4",
        "actions = 4\npairs = 0",
        6,
        9,
        "task.pairs",
        "a positive number of sampled pairs",
    ),
    (
        "actions = 4",
        "actions = 1",
        5,
        11,
        "task.actions",
        "at least 2",
    ),
    (
        "contexts = 2",
        "contexts = 0",
        4,
        12,
        "task.contexts",
        "at least 1",
    ),
    (
        "contexts = 2",
        "contexts = 2\nreward_scale = 1e300",
        5,
        16,
        "task.reward_scale",
        "f32",
    ),
    // A default refused: located at its section, saying it is the default.
    (
        "contexts = 2\nactions = 4",
        "contexts = 100000\nactions = 1000",
        2,
        1,
        "task.pairs",
        "(not set in the file: this is the default)",
    ),
    // Plain sections and the top level.
    (
        "steps = 20",
        "steps = -5",
        14,
        9,
        "train.steps",
        "expected a whole number >= 0",
    ),
    ("lr = 0.05", "lr = 0.0", 15, 6, "train.lr", "must be > 0"),
    (
        "lr = 0.05",
        "lr = 1e300",
        15,
        6,
        "train.lr",
        "overflows f32",
    ),
    (
        "lr = 0.05",
        "max_grad_norm = 1e39",
        15,
        17,
        "train.max_grad_norm",
        "overflows f32",
    ),
    // `grad_clip`, the former name of `max_grad_norm`, is still read and checked.
    (
        "lr = 0.05",
        "grad_clip = -1.0",
        15,
        13,
        "train.grad_clip",
        "must be a finite number >= 0",
    ),
    (
        "lr = 0.05",
        "grad_clip = 1.0\nmax_grad_norm = 1.0",
        15,
        13,
        "train.grad_clip",
        "give only one of them",
    ),
    // Steps or epochs, one warmup, known schedules.
    (
        "lr = 0.05",
        "epochs = 2",
        15,
        10,
        "train.epochs",
        "give either `steps` or `epochs`, not both",
    ),
    (
        "lr = 0.05",
        "warmup_steps = 3\nwarmup_ratio = 0.1",
        16,
        16,
        "train.warmup_ratio",
        "give either `warmup_steps` or `warmup_ratio`",
    ),
    (
        "lr = 0.05",
        "lr_scheduler_type = \"cosin\"",
        15,
        21,
        "train.lr_scheduler_type",
        "unknown variant `cosin`, expected one of `constant`, `constant_with_warmup`, `linear`, \
         `cosine`",
    ),
    (
        "lr = 0.05",
        "gradient_accumulation_steps = 0",
        15,
        31,
        "train.gradient_accumulation_steps",
        "at least 1",
    ),
    (
        "lr = 0.05",
        "lr = { value = 1 }",
        15,
        6,
        "train.lr",
        "expected a number",
    ),
    (
        "seed = 3",
        "seeed = 3",
        1,
        1,
        "seeed",
        "unknown field `seeed`",
    ),
    (
        "seed = 3",
        "seed = -3",
        1,
        8,
        "seed",
        "expected a whole number >= 0",
    ),
    (
        "[policy]\ntype = \"tabular\"\n",
        "",
        1,
        1,
        "policy",
        "missing",
    ),
    (
        "[task]\ntype = \"bandit\"\ncontexts = 2\nactions = 4\n",
        "task = 5\n",
        2,
        8,
        "task",
        "TaskConfig plugin with `type = \"...\"` (`prefopt plugins` lists them), found integer `5`",
    ),
    // Inline tables keep their positions too.
    (
        "[algorithm.objective]\ntype = \"dpo\"\nbeta = 0.5",
        "objective = { type = \"dpo\", beta = \"x\" }",
        10,
        36,
        "algorithm.objective.beta",
        "expected a number",
    ),
    // TOML syntax: the parser's position, no field.
    ("beta = 0.5", "beta = ", 12, 8, "", ""),
];

fn error_of(text: &str) -> LocatedConfigError {
    match ExperimentConfig::parse_located(text, Path::new("broken.toml")) {
        Ok(config) => panic!("accepted:\n{text}\n{config:?}"),
        Err(error) => error,
    }
}

#[test]
fn the_base_config_is_valid() {
    ExperimentConfig::parse_located(BASE, Path::new("base.toml")).unwrap();
}

#[test]
fn every_error_names_line_column_field_and_what_was_expected() {
    let mut failures = Vec::new();
    for &(replace, with, line, column, field, phrase) in CASES {
        assert!(BASE.contains(replace), "the base config has no `{replace}`");
        let text = BASE.replacen(replace, with, 1);
        let error = error_of(&text);
        let got = (error.line, error.column, error.field.as_str());
        if got != (line, column, field) || !error.message.contains(phrase) {
            failures.push(format!(
                "`{with}`: expected {line}:{column} `{field}` \"{phrase}\", got {}:{} `{}` \"{}\"",
                error.line, error.column, error.field, error.message
            ));
        }
        // The message as printed: file, position and field once each.
        let printed = prefopt::PrefoptError::from(error.clone()).to_string();
        let position = format!("broken.toml: line {line}, column {column}");
        if !printed.starts_with(&position) || printed.matches(&error.message).count() != 1 {
            failures.push(format!("`{with}` prints as: {printed}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_loaded_file_names_itself() {
    let dir = std::env::temp_dir().join(format!("prefopt-config-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("broken.toml");
    std::fs::write(&path, BASE.replace("beta = 0.5", "beta = -1.0")).unwrap();
    let error = ExperimentConfig::load(&path).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!(
            "{}: line 12, column 8: `algorithm.objective.beta`",
            path.display()
        )),
        "{error}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A weighted objective: plugin tables in an array of tables, read by the plugin's own
/// deserializer.
const WEIGHTED: &str = r#"[task]
type = "bandit"
[policy]
type = "tabular"
[algorithm]
type = "offline"
[algorithm.objective]
type = "weighted"
[[algorithm.objective.objectives]]
weight = 0.8
type = "sigmoid"
beta = 0.1
[[algorithm.objective.objectives]]
weight = 0.2
type = "sigmoid"
beta = 0.1
"#;

#[test]
fn fields_of_plugins_in_arrays_are_located() {
    ExperimentConfig::parse_located(WEIGHTED, Path::new("weighted.toml")).unwrap();
    let cases = [
        (
            "beta = -2.0",
            16,
            8,
            "algorithm.objective.objectives[1].beta",
            "must be",
        ),
        (
            "betx = 2.0",
            16,
            1,
            "algorithm.objective.objectives[1].betx",
            "unknown field",
        ),
        // The plugin's deserializer does not say which field: its table is pointed at.
        (
            "beta = \"x\"",
            13,
            1,
            "algorithm.objective.objectives[1]",
            "expected a number",
        ),
    ];
    for (with, line, column, field, phrase) in cases {
        let at = WEIGHTED.rfind("beta = 0.1").unwrap();
        let text = format!("{}{with}\n", &WEIGHTED[..at]);
        let error = error_of(&text);
        assert_eq!(
            (error.line, error.column, error.field.as_str()),
            (line, column, field),
            "{with}: {error}"
        );
        assert!(error.message.contains(phrase), "{with}: {error}");
    }
}
