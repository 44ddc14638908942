//! Choosing a burn device by name at run time.

use crate::ConfigError;
use burn::tensor::Device;

/// The device names [`parse_device`] accepts in this build.
pub fn device_names() -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg!(feature = "flex") {
        names.push("flex");
    }
    if cfg!(feature = "tch") {
        names.extend(["tch-cpu", "tch-cuda:N"]);
    }
    if cfg!(feature = "cuda") {
        names.push("cuda:N");
    }
    names
}

/// Parses a device name: `flex` (pure-Rust CPU, the default), `tch-cpu`, `tch-cuda:N`
/// (libtorch; feature `tch`), `cuda:N` (CubeCL CUDA; feature `cuda`). `default` lets burn pick
/// (honouring `BURN_DEVICE`).
pub fn parse_device(name: &str) -> Result<Device, ConfigError> {
    let unknown = || {
        ConfigError::new(
            "device",
            format!(
                "unknown or not compiled in: `{name}`; this build accepts: default, {}",
                device_names().join(", ")
            ),
        )
    };
    let index = |rest: &str| rest.parse::<usize>().map_err(|_| unknown());
    match name {
        "default" => Ok(Device::default()),
        #[cfg(feature = "flex")]
        "flex" | "cpu" => Ok(Device::flex()),
        #[cfg(feature = "tch")]
        #[allow(deprecated)]
        "tch-cpu" => Ok(Device::libtorch()),
        _ => {
            #[cfg(feature = "tch")]
            #[allow(deprecated)]
            if let Some(rest) = name.strip_prefix("tch-cuda:") {
                return Ok(Device::libtorch_cuda(index(rest)?));
            }
            #[cfg(feature = "cuda")]
            if let Some(rest) = name.strip_prefix("cuda:") {
                return Ok(Device::cuda(index(rest)?));
            }
            let _ = index;
            Err(unknown())
        }
    }
}

/// A short description of a device for summaries.
pub fn device_name(device: &Device) -> String {
    format!("{device:?}")
}
