//! Where the real model files fetched by `scripts/fetch-assets` live.

use crate::PrefoptError;
use std::path::PathBuf;

/// The asset cache: `$PREFOPT_CACHE`, else `~/.cache/prefopt`.
pub fn cache_dir() -> Result<PathBuf, PrefoptError> {
    if let Some(dir) = std::env::var_os("PREFOPT_CACHE") {
        return Ok(PathBuf::from(dir));
    }
    std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".cache").join("prefopt"))
        .ok_or_else(|| {
            PrefoptError::Model(
                "neither PREFOPT_CACHE nor HOME is set: cannot locate the asset cache".into(),
            )
        })
}

/// SmolLM2-135M-Instruct's GGUF file (`<cache>/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf`), or an
/// error saying to run `scripts/fetch-assets` when it is absent.
pub fn smollm2_gguf_path() -> Result<PathBuf, PrefoptError> {
    fetched(
        cache_dir()?
            .join("smollm2")
            .join("SmolLM2-135M-Instruct.Q4_1.gguf"),
        "SmolLM2-135M-Instruct",
    )
}

/// A LLaMA-Factory demo data file (`<cache>/llamafactory/<name>`, e.g. `dpo_en_demo.json`), or an
/// error saying to run `scripts/fetch-assets` when it is absent.
pub fn llamafactory_file(name: &str) -> Result<PathBuf, PrefoptError> {
    fetched(
        cache_dir()?.join("llamafactory").join(name),
        "LLaMA-Factory's demo data",
    )
}

/// `path` when the fetch script has put it there, else an error naming it and `what` to fetch.
fn fetched(path: PathBuf, what: &str) -> Result<PathBuf, PrefoptError> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(PrefoptError::Model(format!(
            "{} is missing: run `scripts/fetch-assets` to fetch {what} (set PREFOPT_CACHE to use another cache)",
            path.display()
        )))
    }
}
