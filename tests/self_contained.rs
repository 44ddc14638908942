//! The repository stands alone: no test reads a file outside the clone, and no command in the
//! README or the docs names a path above the repository root. A clone with nothing beside it
//! builds, tests and runs the documented commands.

use std::path::{Component, Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every file under `dir` (recursively) whose name ends with one of `extensions`, skipping
/// build outputs and hidden directories.
fn files(dir: &Path, extensions: &[&str], found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "target" || name == "runs" {
            continue;
        }
        if path.is_dir() {
            files(&path, extensions, found);
        } else if extensions.iter().any(|ext| name.ends_with(ext)) {
            found.push(path);
        }
    }
}

/// `base` joined with `relative`, `..` and `.` resolved lexically.
fn resolve(base: &Path, relative: &str) -> PathBuf {
    let mut path = PathBuf::new();
    for component in base.join(relative.trim_start_matches('/')).components() {
        match component {
            Component::ParentDir => {
                path.pop();
            }
            Component::CurDir => {}
            other => path.push(other),
        }
    }
    path
}

/// The directory holding the Cargo.toml of the package `file` belongs to (what
/// `CARGO_MANIFEST_DIR` is when that package is compiled).
fn manifest_dir(file: &Path) -> PathBuf {
    file.ancestors()
        .skip(1)
        .find(|dir| dir.join("Cargo.toml").is_file())
        .expect("every source file belongs to a package")
        .to_path_buf()
}

/// The string literals following `env!("CARGO_MANIFEST_DIR"),` in a `concat!`.
fn manifest_relative_paths(source: &str) -> Vec<String> {
    let marker = "env!(\"CARGO_MANIFEST_DIR\")";
    source
        .match_indices(marker)
        .filter_map(|(at, _)| {
            let rest = source[at + marker.len()..].trim_start();
            let rest = rest.strip_prefix(',')?.trim_start();
            let literal = rest.strip_prefix('"')?;
            Some(literal[..literal.find('"')?].to_string())
        })
        .collect()
}

#[test]
fn test_data_paths_stay_inside_the_repository_and_exist() {
    let root = Path::new(ROOT);
    let mut sources = Vec::new();
    for dir in ["crates", "plugins", "examples", "src", "tests"] {
        files(&root.join(dir), &[".rs"], &mut sources);
    }
    assert!(sources.len() > 20, "found only {} sources", sources.len());
    // Spelled in parts so that this file does not match itself.
    let beside = ["\"..", "/shared"].concat();
    let golden_beside = ["/shared", "/golden"].concat();
    let mut problems = Vec::new();
    for file in &sources {
        let text = std::fs::read_to_string(file).unwrap();
        if text.contains(&beside) || text.contains(&golden_beside) {
            problems.push(format!(
                "{}: reads the directory beside the clone",
                file.display()
            ));
        }
        let base = manifest_dir(file);
        for relative in manifest_relative_paths(&text) {
            let target = resolve(&base, &relative);
            if !target.starts_with(root) {
                problems.push(format!(
                    "{}: `{relative}` resolves outside the repository, to {}",
                    file.display(),
                    target.display()
                ));
            } else if relative.contains('.') && !target.exists() {
                problems.push(format!(
                    "{}: `{relative}` names {}, which does not exist",
                    file.display(),
                    target.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn documented_commands_name_no_path_above_the_repository() {
    let root = Path::new(ROOT);
    let mut documents = vec![root.join("README.md")];
    files(&root.join("docs"), &[".md"], &mut documents);
    files(&root.join("examples"), &[".md"], &mut documents);
    let mut problems = Vec::new();
    for file in &documents {
        let text = std::fs::read_to_string(file).unwrap();
        let mut in_code = false;
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            // Commands: fenced blocks, and inline code that starts with a command name.
            let commands: Vec<&str> = if in_code {
                vec![line]
            } else {
                line.split('`')
                    .skip(1)
                    .step_by(2)
                    .filter(|code| code.starts_with("cargo ") || code.starts_with("prefopt "))
                    .collect()
            };
            for command in commands {
                for word in command.split_whitespace() {
                    if word.starts_with("../") || word.contains("/../") {
                        problems.push(format!(
                            "{}:{}: `{word}` leaves the repository",
                            file.display(),
                            number + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_golden_copies_carry_their_provenance() {
    let golden = Path::new(ROOT).join("tests/data/golden");
    let readme = std::fs::read_to_string(golden.join("README.md")).unwrap();
    for entry in std::fs::read_dir(&golden).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            assert!(
                readme.contains(&name),
                "tests/data/golden/README.md says nothing of {name}"
            );
        }
    }
}
