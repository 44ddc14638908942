//! Loading a causal language model for a command, reporting what and how long on stderr.

use anyhow::{Context, Result};
use prefopt::burn::module::Module;
use prefopt::burn::tensor::Device;
use prefopt::models::causal_lm::{LoadedCausalLm, load_model};
use std::path::Path;
use std::time::{Duration, Instant};

/// Loads the GGUF file or Hugging Face directory at `path` onto `device`, printing the
/// architecture and load time to stderr.
pub fn load_timed(path: &Path, device: &Device) -> Result<(LoadedCausalLm, Duration)> {
    let started = Instant::now();
    // The loader's errors begin with the file they are about.
    let loaded = load_model(path, device).context("loading the model")?;
    let elapsed = started.elapsed();
    let config = &loaded.config;
    eprintln!(
        "loaded {} in {:.2}s: {} parameters, {} layers, vocabulary {}, context {}",
        path.display(),
        elapsed.as_secs_f64(),
        loaded.model.num_params(),
        config.num_layers,
        config.vocab_size,
        config.max_position_embeddings
    );
    Ok((loaded, elapsed))
}
