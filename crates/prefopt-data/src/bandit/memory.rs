//! How much memory a bandit needs, estimated before anything is allocated.

use super::config::{BanditConfig, PairsMode};
use prefopt_core::ConfigError;

/// Bytes per (context, action) cell: the truth's reference and reward tables (f64), the reward
/// model's f32 copy, the policy's logits with their gradient and Adam's two moments (f32), and
/// the f64 tables of an evaluation against pi*.
pub const BYTES_PER_CELL: u128 = 96;

/// Bytes per preference pair: the pair itself (32), and one training step's share of the batch
/// tensors (ids and masks of chosen and rejected, `[chosen; rejected]` concatenated), the
/// policy's and reference's log-probs, the objective's intermediate tensors kept for the
/// backward pass, and their gradients. Measured on the flex backend (peak resident memory of a
/// DPO run on populations of 0.26 to 8.3 million pairs): about 145 bytes per pair; the
/// estimate keeps a margin above that.
pub const BYTES_PER_PAIR: u128 = 256;

/// Used when the available memory cannot be read (`/proc/meminfo` is Linux-only).
const ASSUMED_AVAILABLE: u128 = 8 << 30;

/// The number of preference pairs `config` holds: every ordered pair of distinct actions of every
/// context in population mode (`contexts x actions x (actions - 1)`), or the sample size.
pub fn pair_count(config: &BanditConfig) -> u128 {
    match config.pairs {
        PairsMode::Population => {
            let actions = config.actions as u128;
            (config.contexts as u128)
                .saturating_mul(actions)
                .saturating_mul(actions.saturating_sub(1))
        }
        PairsMode::Sampled(count) => count as u128,
    }
}

/// Estimated peak bytes of a run on `config`: the tables and one training step over every pair
/// (population mode uses every pair each step; a sample of `n` pairs is held whole and a step
/// uses at most all of it).
pub fn estimated_bytes(config: &BanditConfig) -> u128 {
    table_bytes(config).saturating_add(pair_count(config).saturating_mul(BYTES_PER_PAIR))
}

/// Estimated bytes of the per-cell tables.
fn table_bytes(config: &BanditConfig) -> u128 {
    (config.contexts as u128)
        .saturating_mul(config.actions as u128)
        .saturating_mul(BYTES_PER_CELL)
}

/// Memory this process can use: `MemAvailable` of `/proc/meminfo`, or 8 GiB where that cannot
/// be read.
pub fn available_bytes() -> u128 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|line| line.strip_prefix("MemAvailable:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u128>()
                        .ok()
                })
        })
        .map_or(ASSUMED_AVAILABLE, |kib| kib * 1024)
}

/// Refuses a bandit whose estimated memory exceeds `available` bytes, naming the number of pairs,
/// the estimate and the alternatives.
pub fn check_memory(config: &BanditConfig, available: u128) -> Result<(), ConfigError> {
    let needed = estimated_bytes(config);
    if needed <= available {
        return Ok(());
    }
    let pairs = pair_count(config);
    let what = match config.pairs {
        PairsMode::Population => format!(
            "population mode trains on every ordered pair of distinct actions: {} contexts x {} \
             actions x {} = {pairs} pairs each step",
            config.contexts,
            config.actions,
            config.actions.saturating_sub(1)
        ),
        PairsMode::Sampled(_) => format!("{pairs} sampled pairs"),
    };
    let affordable = available.saturating_sub(table_bytes(config)) / BYTES_PER_PAIR;
    Err(ConfigError::new(
        "pairs",
        format!(
            "{what}, about {} of memory by estimate, more than the {} available; sample pairs \
             instead (`pairs = N`, at most about {affordable} here), or use fewer contexts or actions",
            human_bytes(needed),
            human_bytes(available)
        ),
    ))
}

/// `1.5 GB`, `320 MB`, `12 TB`: decimal units, three significant digits.
pub fn human_bytes(bytes: u128) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    let decimals = if value >= 100.0 || unit == 0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    let number = format!("{value:.decimals$}");
    let number = if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        &number
    };
    format!("{number} {}", units[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bandit(contexts: usize, actions: usize, pairs: PairsMode) -> BanditConfig {
        BanditConfig {
            contexts,
            actions,
            pairs,
            ..BanditConfig::default()
        }
    }

    #[test]
    fn the_population_of_a_thousand_by_a_thousand_is_refused_with_its_size() {
        let config = bandit(1000, 1000, PairsMode::Population);
        assert_eq!(pair_count(&config), 999_000_000);
        // The pairs alone are 32 GB; with a step's tensors the estimate is far above it.
        assert!(estimated_bytes(&config) > 32_000_000_000);
        let error = check_memory(&config, 64_000_000_000).unwrap_err();
        assert_eq!(error.field, "pairs");
        for phrase in [
            "999000000 pairs",
            "256 GB",
            "64 GB available",
            "`pairs = N`",
        ] {
            assert!(error.message.contains(phrase), "{phrase}: {error}");
        }
    }

    #[test]
    fn small_bandits_and_samples_pass() {
        check_memory(&BanditConfig::default(), 1 << 30).unwrap();
        check_memory(&bandit(1000, 1000, PairsMode::Sampled(100_000)), 1 << 30).unwrap();
    }

    #[test]
    fn huge_sizes_do_not_overflow() {
        let config = bandit(usize::MAX, usize::MAX, PairsMode::Population);
        assert!(check_memory(&config, u128::from(u64::MAX)).is_err());
        let sampled = bandit(2, 2, PairsMode::Sampled(usize::MAX));
        assert!(check_memory(&sampled, 1 << 40).is_err());
    }

    #[test]
    fn bytes_read_as_people_write_them() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1_500_000_000), "1.5 GB");
        assert_eq!(human_bytes(255_744_000_000), "256 GB");
        assert_eq!(human_bytes(32_000_000_000), "32 GB");
        assert_eq!(human_bytes(12_300_000), "12.3 MB");
        assert_eq!(human_bytes(10_000_000), "10 MB");
        assert_eq!(human_bytes(1_050_000), "1.05 MB");
    }

    #[test]
    fn available_memory_is_positive() {
        assert!(available_bytes() > 0);
    }
}
