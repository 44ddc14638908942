//! The three parts of a cache's fingerprint: the data, the tokenization settings, the
//! reference weights.

use prefopt_core::{PrefoptError, ReferenceModel};
use serde::{Deserialize, Serialize};
use std::path::Path;
use xxhash_rust::xxh3::{Xxh3Default, xxh3_128};

/// What reference log-probs were computed from, each part an XXH3-128 digest in hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The token ids of every row of both splits, in order.
    pub data: String,
    /// The caller's tokenization settings text.
    pub settings: String,
    /// Every reference parameter: module path, shape, f32 values.
    pub weights: String,
}

fn hex(digest: u128) -> String {
    format!("{digest:032x}")
}

impl Fingerprint {
    /// The fingerprint of data digest `data`, settings text `settings` and weights digest
    /// `weights`.
    pub fn new(data: u128, settings: &str, weights: u128) -> Self {
        Self {
            data: hex(data),
            settings: hex(xxh3_128(settings.as_bytes())),
            weights: hex(weights),
        }
    }

    /// One digest of the three parts (and the file format version): the default file name.
    pub fn combined(&self) -> String {
        let text = format!(
            "v{}:{}:{}:{}",
            super::CACHE_FORMAT_VERSION,
            self.data,
            self.settings,
            self.weights
        );
        hex(xxh3_128(text.as_bytes()))
    }

    /// Refuses a file at `path` made for `found` (its settings text `found_settings`) when this
    /// fingerprint (of settings text `settings`) differs, naming every part that differs.
    pub fn check(
        &self,
        found: &Fingerprint,
        found_settings: &str,
        settings: &str,
        path: &Path,
    ) -> Result<(), PrefoptError> {
        let mut differences = Vec::new();
        if found.data != self.data {
            differences.push(format!(
                "the data differ (token ids of the examples: file {}, now {})",
                found.data, self.data
            ));
        }
        if found.settings != self.settings {
            differences.push(format!(
                "the tokenization settings differ (file {found_settings:?}, now {settings:?})"
            ));
        }
        if found.weights != self.weights {
            differences.push(format!(
                "the reference weights differ (file {}, now {})",
                found.weights, self.weights
            ));
        }
        if differences.is_empty() {
            return Ok(());
        }
        Err(PrefoptError::Data(format!(
            "{}: reference log-probs computed for other inputs: {}; delete the file or give another path to compute them again",
            path.display(),
            differences.join(", and ")
        )))
    }
}

/// XXH3-128 of every parameter of `reference` ([`ReferenceModel::visit_parameters`]): for
/// each, its path, its shape and its values, little-endian.
///
/// # Errors
/// When the reference shows no parameters.
pub fn weights_fingerprint(reference: &dyn ReferenceModel) -> Result<u128, PrefoptError> {
    let mut hasher = Xxh3Default::new();
    let shown = reference.visit_parameters(&mut |path, shape, values| {
        hasher.update(&(path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update(&(shape.len() as u64).to_le_bytes());
        for dim in shape {
            hasher.update(&(*dim as u64).to_le_bytes());
        }
        hash_f32s(&mut hasher, values);
    });
    if !shown {
        return Err(PrefoptError::Incompatible(format!(
            "this reference shows no parameters, so its log-probs cannot be cached under a fingerprint of its weights: {reference:?}"
        )));
    }
    Ok(hasher.digest128())
}

/// Feeds `values` to `hasher` as little-endian bytes: the memory itself on little-endian
/// machines (no copy), converted chunk by chunk elsewhere.
fn hash_f32s(hasher: &mut Xxh3Default, values: &[f32]) {
    if cfg!(target_endian = "little") {
        hasher.update(bytemuck::cast_slice(values));
    } else {
        let mut buffer = Vec::with_capacity(4 << 16);
        for chunk in values.chunks(1 << 16) {
            buffer.clear();
            for value in chunk {
                buffer.extend_from_slice(&value.to_le_bytes());
            }
            hasher.update(&buffer);
        }
    }
}
