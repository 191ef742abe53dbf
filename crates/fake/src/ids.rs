//! Identifiers and timestamps the fake hands out: unique, realistic-looking, and the same on
//! every run (derived from a counter with a fixed-key hash, never from a random source).

use std::hash::Hasher;

use slackline::Instant;

/// One WebSocket connection the fake accepted.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct SocketId(pub(crate) u32);

impl SocketId {
    /// The raw number (1 for the first socket; stable within a run).
    pub fn get(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for SocketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "socket#{}", self.0)
    }
}

/// One Web API call the fake received; its response carries the same id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct CallId(pub(crate) u64);

impl CallId {
    /// The raw number.
    pub fn get(self) -> u64 {
        self.0
    }
}

/// Makes UUID-shaped ids (envelope ids, tickets) from a counter.
#[derive(Debug, Default)]
pub(crate) struct IdGen {
    counter: u64,
    last_ts_micros: u64,
}

impl IdGen {
    fn mix(&self, lane: u8) -> u64 {
        // `DefaultHasher::new()` has fixed keys: the same sequence on every run.
        let mut h = std::hash::DefaultHasher::new();
        h.write_u8(lane);
        h.write_u64(self.counter);
        h.finish()
    }

    /// `xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx`, like the UUIDs Slack uses for envelope ids.
    pub(crate) fn uuid(&mut self) -> String {
        self.counter += 1;
        let a = self.mix(1);
        let b = self.mix(2);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        )
    }

    /// A Slack message timestamp (`"1700000012.000100"`) for `now`, strictly increasing so
    /// that every message gets its own.
    pub(crate) fn ts(&mut self, epoch: u64, start: Instant, now: Instant) -> String {
        let elapsed = now.saturating_duration_since(start);
        let micros = epoch
            .saturating_mul(1_000_000)
            .saturating_add(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX / 2));
        let micros = micros.max(self.last_ts_micros.saturating_add(1));
        self.last_ts_micros = micros;
        format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_uuid_shaped_and_repeatable() {
        let mut a = IdGen::default();
        let mut b = IdGen::default();
        let first = a.uuid();
        assert_eq!(first.len(), 36);
        assert_eq!(&first[14..15], "4");
        assert_ne!(first, a.uuid());
        assert_eq!(first, b.uuid());
        let t1 = a.ts(1_700_000_000, Instant::ZERO, Instant::from_millis(1500));
        let t2 = a.ts(1_700_000_000, Instant::ZERO, Instant::from_millis(1500));
        assert_eq!(t1, "1700000001.500000");
        assert_eq!(t2, "1700000001.500001");
    }
}
