//! Paths as users write them in configs: `~` and environment variables expanded.

use crate::PrefoptError;
use std::path::{Path, PathBuf};

/// `path` with a leading `~` replaced by the home directory and `$VAR` / `${VAR}` by the
/// environment's values (a shell's expansion, through the `shellexpand` crate), so a config can
/// say `model = "~/.cache/prefopt/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"` or
/// `"${PREFOPT_CACHE}/llamafactory/dpo_en_demo.json"`. Relative paths stay relative to the
/// working directory.
///
/// # Errors
/// [`PrefoptError::Data`] naming the path and the variable when a variable is not set.
pub fn expand_user_path(path: &Path) -> Result<PathBuf, PrefoptError> {
    let Some(text) = path.to_str() else {
        return Ok(path.to_path_buf());
    };
    if !text.starts_with('~') && !text.contains('$') {
        return Ok(path.to_path_buf());
    }
    shellexpand::full(text)
        .map(|expanded| PathBuf::from(expanded.as_ref()))
        .map_err(|error| {
            PrefoptError::Data(format!(
                "{text}: cannot expand the path: ${} is not set ({})",
                error.var_name, error.cause
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_are_left_alone() {
        let path = Path::new("tests/data/x.json");
        assert_eq!(expand_user_path(path).unwrap(), path);
    }

    #[test]
    fn home_and_variables_are_expanded() {
        let home = std::env::var("HOME").unwrap();
        assert_eq!(
            expand_user_path(Path::new("~/a/b")).unwrap(),
            PathBuf::from(format!("{home}/a/b"))
        );
        assert_eq!(
            expand_user_path(Path::new("${HOME}/c")).unwrap(),
            PathBuf::from(format!("{home}/c"))
        );
    }

    #[test]
    fn an_unset_variable_is_named() {
        let error = expand_user_path(Path::new("$PREFOPT_SURELY_UNSET_VARIABLE/x")).unwrap_err();
        assert!(
            error.to_string().contains("PREFOPT_SURELY_UNSET_VARIABLE"),
            "{error}"
        );
    }
}
