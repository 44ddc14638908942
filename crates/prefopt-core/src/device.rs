//! Choosing a burn device by name at run time, and naming the device a run used.

use crate::ConfigError;
use burn::tensor::Device;

/// A backend prefopt can be built with: its cargo feature, the device names it accepts, and how
/// to build it.
struct Backend {
    feature: &'static str,
    compiled: bool,
    /// Device names, `N` standing for a device index.
    names: &'static [&'static str],
    how: &'static str,
}

const BACKENDS: [Backend; 3] = [
    Backend {
        feature: "flex",
        compiled: cfg!(feature = "flex"),
        names: &["flex", "cpu"],
        how: "it is the default feature: build without `--no-default-features`",
    },
    Backend {
        feature: "tch",
        compiled: cfg!(feature = "tch"),
        names: &["tch-cpu", "tch-cuda:N"],
        how: "libtorch 2.9.0: `pip install torch==2.9.0`, then \
              `LIBTORCH_USE_PYTORCH=1 cargo build --release -p prefopt-cli --features tch` and run \
              with LD_LIBRARY_PATH pointing at the environment's torch/lib (see README, Backends)",
    },
    Backend {
        feature: "cuda",
        compiled: cfg!(feature = "cuda"),
        names: &["cuda:N"],
        how: "`cargo build --release -p prefopt-cli --features cuda` (burn-cuda; its build \
              downloads an LLVM bundle, so it needs internet at build time; see README, Backends)",
    },
];

/// The device names [`parse_device`] accepts in this build (`N` is a device index).
pub fn device_names() -> Vec<&'static str> {
    BACKENDS
        .iter()
        .filter(|backend| backend.compiled)
        .flat_map(|backend| backend.names.iter().copied())
        .collect()
}

/// Whether `name` has the shape of `pattern` (`cuda:N` matches `cuda:0`, `cuda:x`, `cuda:`).
fn matches_pattern(name: &str, pattern: &str) -> bool {
    match pattern.strip_suffix('N') {
        Some(prefix) => name.starts_with(prefix),
        None => name == pattern,
    }
}

/// The index after `prefix` in `name`, or an error saying what an index looks like.
#[cfg_attr(not(any(feature = "tch", feature = "cuda")), allow(dead_code))]
fn device_index(name: &str, prefix: &str) -> Result<usize, ConfigError> {
    name[prefix.len()..].parse::<usize>().map_err(|_| {
        ConfigError::new(
            "device",
            format!(
                "`{name}`: expected `{prefix}N` with N a device index (0 for the first GPU), \
                 got `{}`",
                &name[prefix.len()..]
            ),
        )
    })
}

/// Parses a device name: `flex` (pure-Rust CPU, the default; `cpu` is an alias), `tch-cpu`,
/// `tch-cuda:N` (libtorch; feature `tch`), `cuda:N` (CubeCL CUDA; feature `cuda`). `default` lets
/// burn pick, honouring `BURN_DEVICE` (which must then name a backend of this build).
///
/// A name of a backend this build lacks is refused naming the cargo feature that builds it and
/// how; any other name is refused listing the names this build accepts.
pub fn parse_device(name: &str) -> Result<Device, ConfigError> {
    if name == "default" {
        return default_device();
    }
    let Some(backend) = BACKENDS
        .iter()
        .find(|backend| backend.names.iter().any(|p| matches_pattern(name, p)))
    else {
        return Err(ConfigError::new(
            "device",
            format!(
                "unknown device `{name}`; this build accepts: default, {}",
                device_names().join(", ")
            ),
        ));
    };
    if !backend.compiled {
        return Err(ConfigError::new(
            "device",
            format!(
                "`{name}` needs the `{}` cargo feature, which this build of prefopt lacks; \
                 build it with {}",
                backend.feature, backend.how
            ),
        ));
    }
    compiled_device(name)
}

/// The device of a compiled-in backend, by name.
fn compiled_device(name: &str) -> Result<Device, ConfigError> {
    #[cfg(feature = "flex")]
    if name == "flex" || name == "cpu" {
        return Ok(Device::flex());
    }
    #[cfg(feature = "tch")]
    #[allow(deprecated)]
    {
        if name == "tch-cpu" {
            return Ok(Device::libtorch());
        }
        if name.starts_with("tch-cuda:") {
            return Ok(Device::libtorch_cuda(device_index(name, "tch-cuda:")?));
        }
    }
    #[cfg(feature = "cuda")]
    if name.starts_with("cuda:") {
        return Ok(Device::cuda(device_index(name, "cuda:")?));
    }
    Err(ConfigError::new(
        "device",
        format!("unknown device `{name}`"),
    ))
}

/// burn's default device, after checking that `BURN_DEVICE` (if set) names a backend this
/// build has: burn itself panics otherwise.
fn default_device() -> Result<Device, ConfigError> {
    if let Ok(requested) = std::env::var("BURN_DEVICE") {
        let wanted = requested.to_lowercase();
        let feature = match wanted.as_str() {
            "flex" => "flex",
            "tch" | "libtorch" => "tch",
            "cuda" => "cuda",
            other => other,
        };
        let compiled = BACKENDS
            .iter()
            .any(|backend| backend.feature == feature && backend.compiled);
        if !compiled {
            return Err(ConfigError::new(
                "device",
                format!(
                    "`default` follows BURN_DEVICE={requested}, a backend this build of prefopt \
                     lacks; unset BURN_DEVICE or pass --device with one of: {}",
                    device_names().join(", ")
                ),
            ));
        }
    }
    Ok(Device::default())
}

/// The device's name as [`parse_device`] accepts it (`flex`, `tch-cpu`, `tch-cuda:0`,
/// `cuda:1`), autodiff or not; burn's own description for a device prefopt has no name for.
pub fn device_name(device: &Device) -> String {
    // Device equality compares the hardware and ignores autodiff.
    #[cfg(feature = "flex")]
    if *device == Device::flex() {
        return "flex".into();
    }
    #[cfg(feature = "tch")]
    #[allow(deprecated)]
    {
        if *device == Device::libtorch() {
            return "tch-cpu".into();
        }
        if let Some(index) = (0..64).find(|&i| *device == Device::libtorch_cuda(i)) {
            return format!("tch-cuda:{index}");
        }
    }
    #[cfg(feature = "cuda")]
    if let Some(index) = (0..64).find(|&i| *device == Device::cuda(i)) {
        return format!("cuda:{index}");
    }
    format!("{device:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_accepted_name_parses_and_names_itself() {
        for name in device_names() {
            let name = name.replace('N', "0");
            let device = parse_device(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
            let canonical = if name == "cpu" { "flex" } else { name.as_str() };
            assert_eq!(device_name(&device), canonical);
            assert_eq!(device_name(&device.autodiff()), canonical);
        }
    }

    #[test]
    fn a_backend_not_compiled_in_names_its_feature_and_how_to_build_it() {
        for backend in BACKENDS.iter().filter(|b| !b.compiled) {
            for pattern in backend.names {
                let name = pattern.replace('N', "0");
                let error = parse_device(&name).unwrap_err();
                assert_eq!(error.field, "device");
                let feature = format!("`{}` cargo feature", backend.feature);
                assert!(error.message.contains(&feature), "{error}");
                assert!(
                    error
                        .message
                        .contains(&format!("--features {}", backend.feature)),
                    "{error}"
                );
                assert!(!error.message.contains("unknown"), "{error}");
            }
        }
    }

    #[test]
    fn a_typo_lists_the_accepted_names() {
        for typo in ["flx", "gpu", "tch_cpu", ""] {
            let error = parse_device(typo).unwrap_err();
            assert!(error.message.contains("unknown device"), "{error}");
            for name in device_names() {
                assert!(error.message.contains(name), "{error}");
            }
        }
    }

    #[test]
    fn a_bad_index_says_what_an_index_is() {
        assert_eq!(device_index("cuda:3", "cuda:").unwrap(), 3);
        for name in ["cuda:first", "cuda:", "cuda:-1"] {
            let error = device_index(name, "cuda:").unwrap_err();
            assert!(error.message.contains("device index"), "{error}");
        }
    }
}
