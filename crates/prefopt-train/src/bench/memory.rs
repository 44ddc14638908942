//! The process's resident memory, from the kernel's accounting in `/proc/self/status`.

/// The most resident memory the process has held so far (`VmHWM`, the high-water mark of its
/// resident set), in bytes; `None` where `/proc/self/status` does not exist (not Linux).
pub fn peak_rss_bytes() -> Option<u64> {
    status_field_bytes(&std::fs::read_to_string("/proc/self/status").ok()?, "VmHWM")
}

/// The process's resident memory now (`VmRSS`), in bytes; `None` off Linux.
pub fn current_rss_bytes() -> Option<u64> {
    status_field_bytes(&std::fs::read_to_string("/proc/self/status").ok()?, "VmRSS")
}

/// The value of a `NAME:   1234 kB` line of a `/proc/<pid>/status` text, in bytes.
pub fn status_field_bytes(status: &str, name: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?.strip_prefix(':')?;
        let mut parts = rest.split_whitespace();
        let value: u64 = parts.next()?.parse().ok()?;
        match parts.next() {
            Some("kB") => Some(value * 1024),
            None => Some(value),
            Some(_) => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_parse_to_bytes() {
        let status = "Name:\tprefopt\nVmPeak:\t  900 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1024 kB\n";
        assert_eq!(status_field_bytes(status, "VmHWM"), Some(2048 * 1024));
        assert_eq!(status_field_bytes(status, "VmRSS"), Some(1024 * 1024));
        assert_eq!(status_field_bytes(status, "VmSwap"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_has_a_peak_at_least_its_current_size() {
        // The current size first: the high-water mark read after it can only be larger.
        let current = current_rss_bytes().unwrap();
        let peak = peak_rss_bytes().unwrap();
        assert!(current > 0);
        assert!(peak >= current);
    }
}
