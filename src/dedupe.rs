//! Redelivery suppression: a bounded window of recently seen ids.
//!
//! Ids are stored as 64-bit SipHash digests with fixed keys, not strings: no allocation per
//! envelope, deterministic across runs, and a false match needs a 64-bit collision inside the window.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use crate::time::Instant;

/// What kind of id a digest is of, so an `envelope_id` can never match an `event_id`.
#[derive(Clone, Copy, Debug)]
#[repr(u8)]
pub(crate) enum IdKind {
    Envelope = 1,
    Event = 2,
    RtmFrame = 3,
}

/// Digest of an id: what dedupe and ack bookkeeping key on.
pub(crate) fn id_key(kind: IdKind, id: &[u8]) -> u64 {
    // `DefaultHasher::new()` has fixed keys (unlike `RandomState`), so digests repeat run to run.
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write_u8(kind as u8);
    hasher.write(id);
    hasher.finish()
}

/// Keys are already uniform digests: hash them as themselves.
#[derive(Default, Clone, Copy, Debug)]
pub(crate) struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type DigestMap<V> = HashMap<u64, V, BuildHasherDefault<DigestHasher>>;

/// Ids seen within `window`, at most `capacity` of them (oldest forgotten first).
#[derive(Debug)]
pub(crate) struct Dedupe {
    window: Duration,
    capacity: usize,
    seen: DigestMap<Instant>,
    order: VecDeque<(Instant, u64)>,
}

impl Dedupe {
    pub(crate) fn new(window: Duration, capacity: usize) -> Self {
        let reserve = capacity.min(4096);
        Dedupe {
            window,
            capacity,
            seen: DigestMap::with_capacity_and_hasher(reserve, Default::default()),
            order: VecDeque::with_capacity(reserve),
        }
    }

    /// Records every key and says whether any of them was already known within the window.
    pub(crate) fn check_and_insert(&mut self, now: Instant, keys: &[u64]) -> bool {
        self.expire(now);
        let duplicate = keys.iter().any(|k| self.seen.contains_key(k));
        // The window runs from the first sighting: re-sightings do not extend it, so every
        // entry has exactly one queue slot and expires on time.
        for &key in keys {
            if let std::collections::hash_map::Entry::Vacant(slot) = self.seen.entry(key) {
                slot.insert(now);
                self.order.push_back((now, key));
            }
        }
        while self.seen.len() > self.capacity {
            self.forget_oldest();
        }
        duplicate
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.seen.len()
    }

    fn expire(&mut self, now: Instant) {
        while let Some(&(at, _)) = self.order.front() {
            if now.saturating_duration_since(at) < self.window {
                break;
            }
            self.forget_oldest();
        }
    }

    fn forget_oldest(&mut self) {
        if let Some((_, key)) = self.order.pop_front() {
            self.seen.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_within_window_and_forgets_after() {
        let mut d = Dedupe::new(Duration::from_secs(60), 100);
        let a = id_key(IdKind::Envelope, b"a");
        assert!(!d.check_and_insert(Instant::ZERO, &[a]));
        assert!(d.check_and_insert(Instant::from_secs(59), &[a]));
        assert!(!d.check_and_insert(Instant::from_secs(61), &[a]));
        assert_ne!(id_key(IdKind::Envelope, b"x"), id_key(IdKind::Event, b"x"));
    }

    #[test]
    fn any_matching_key_is_a_duplicate() {
        let mut d = Dedupe::new(Duration::from_secs(60), 100);
        assert!(!d.check_and_insert(
            Instant::ZERO,
            &[
                id_key(IdKind::Envelope, b"env1"),
                id_key(IdKind::Event, b"evt1")
            ]
        ));
        assert!(d.check_and_insert(
            Instant::ZERO,
            &[
                id_key(IdKind::Envelope, b"env2"),
                id_key(IdKind::Event, b"evt1")
            ]
        ));
        assert!(d.check_and_insert(Instant::ZERO, &[id_key(IdKind::Envelope, b"env2")]));
    }

    #[test]
    fn capacity_bounds_memory() {
        let mut d = Dedupe::new(Duration::from_secs(3600), 10);
        for i in 0..1000u32 {
            d.check_and_insert(Instant::ZERO, &[id_key(IdKind::Envelope, &i.to_be_bytes())]);
            assert!(d.len() <= 10);
        }
        assert!(d.order.len() <= 10);
    }
}
