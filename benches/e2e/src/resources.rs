//! CPU time and peak resident memory of this process, from `/proc` (Linux, where the
//! benchmarks run), so no FFI is needed.

use std::time::Duration;

/// This process's resource use so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// User-mode CPU time.
    pub user: Duration,
    /// Kernel-mode CPU time.
    pub system: Duration,
    /// Peak resident set size (`VmHWM`), KiB.
    pub peak_rss_kib: u64,
}

/// Kernel clock ticks per second for `/proc/*/stat` times (`USER_HZ`, 100 on Linux/x86_64).
const TICKS_PER_SECOND: u64 = 100;

/// Reads this process's usage; zeros where `/proc` is not available.
pub fn current() -> Usage {
    let (user, system) = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| cpu_times(&s))
        .unwrap_or_default();
    let peak_rss_kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| peak_rss(&s))
        .unwrap_or(0);
    Usage {
        user,
        system,
        peak_rss_kib,
    }
}

/// `utime` and `stime` (fields 14 and 15) of a `/proc/<pid>/stat` line. The command name (field
/// 2) may contain spaces, so fields are counted after its closing parenthesis.
pub fn cpu_times(stat: &str) -> Option<(Duration, Duration)> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let ticks = |t: u64| Duration::from_millis(t * 1000 / TICKS_PER_SECOND);
    let user = fields.next()?.parse().ok()?;
    let system = fields.next()?.parse().ok()?;
    Some((ticks(user), ticks(system)))
}

fn peak_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_formats() {
        let stat = "1234 (my (odd) name) S 1 2 3 4 5 6 7 8 9 10 250 30 0 0 20 0";
        assert_eq!(
            cpu_times(stat),
            Some((Duration::from_millis(2500), Duration::from_millis(300)))
        );
        assert_eq!(
            peak_rss("Name:\tx\nVmHWM:\t    5120 kB\nVmRSS: 1 kB\n"),
            Some(5120)
        );
        let now = current();
        assert!(now.peak_rss_kib > 0);
    }
}
