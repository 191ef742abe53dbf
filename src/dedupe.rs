//! Redelivery suppression: a bounded window of recently seen ids.
//!
//! Ids are stored as 64-bit digests, not strings: no allocation per envelope, deterministic
//! across runs, and a false match needs a 64-bit collision inside the window.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use crate::key_set::KeySet;
use crate::time::Instant;

/// What kind of id a digest is of, so an `envelope_id` can never match an `event_id`.
#[derive(Clone, Copy, Debug)]
#[repr(u8)]
pub(crate) enum IdKind {
    Envelope = 1,
    Event = 2,
    RtmFrame = 3,
}

/// Digest of an id: what dedupe and ack bookkeeping key on. Eight bytes per step through a
/// folded 128-bit multiply (the mixing step of wyhash and foldhash): ids are short and come
/// from Slack, so speed matters more than resistance to chosen collisions (which a keyed hash
/// with fixed, public keys would not give either).
pub(crate) fn id_key(kind: IdKind, id: &[u8]) -> u64 {
    const SEED: u64 = 0x243f_6a88_85a3_08d3; // digits of pi: any odd constant with mixed bits
    const STEP: u64 = 0x9e37_79b9_7f4a_7c15; // 2^64 / golden ratio
    let mut state = folded_multiply(SEED ^ kind as u64, STEP ^ id.len() as u64);
    let mut chunks = id.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        state = folded_multiply(state ^ word, STEP);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    folded_multiply(state ^ u64::from_le_bytes(tail), SEED)
}

/// The full product of `a` and `b`, its two halves xored: every input bit reaches every output
/// bit in one multiply.
fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
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
    /// The keys alone (when each was seen is in `order`): at 20,000 keys the table is 256 KiB,
    /// small enough to stay in a core's cache, and each visit is one cache line.
    seen: KeySet,
    order: VecDeque<(Instant, u64)>,
}

/// Tables for up to this many ids are reserved whole when the session starts. Tables this
/// large come from fresh pages, resident only once written, so an idle client pays nothing for
/// them; and filling one never grows it (growing rehashed the set into a table twice its size
/// while still holding the old one, and rounded the deque up to the next power of two: 512 KiB
/// for the default 20,000 ids instead of 320).
const RESERVED_UP_TO: usize = 1 << 16;

impl Dedupe {
    pub(crate) fn new(window: Duration, capacity: usize) -> Self {
        // One check may add a few ids before the oldest are forgotten.
        let reserve = if capacity <= RESERVED_UP_TO {
            capacity + 4
        } else {
            4096
        };
        Dedupe {
            window,
            capacity,
            seen: KeySet::with_capacity(reserve),
            order: VecDeque::with_capacity(reserve),
        }
    }

    /// Records every key and says whether any of them was already known within the window.
    pub(crate) fn check_and_insert(&mut self, now: Instant, keys: &[u64]) -> bool {
        self.expire(now);
        let mut duplicate = false;
        // The window runs from the first sighting: re-sightings do not extend it, so every
        // entry has exactly one queue slot and expires on time.
        for &key in keys {
            if self.seen.insert(key) {
                self.order.push_back((now, key));
            } else {
                duplicate = true;
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
            self.seen.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_size_window_fills_without_growing_its_tables() {
        let capacity = crate::Config::DEFAULT_DEDUPE_CAPACITY;
        let mut d = Dedupe::new(Duration::from_secs(60), capacity);
        let (slots, order) = (d.seen.slot_count(), d.order.capacity());
        for i in 0..2 * capacity as u64 {
            let id = i.to_le_bytes();
            let keys = [id_key(IdKind::Envelope, &id), id_key(IdKind::Event, &id)];
            assert!(!d.check_and_insert(Instant::from_secs(i / 1000), &keys));
        }
        assert_eq!(d.len(), capacity);
        assert_eq!(d.seen.slot_count(), slots, "the set was never rehashed");
        assert_eq!(d.order.capacity(), order, "the deque was never reallocated");
    }

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
    fn digests_differ_by_kind_length_and_every_byte() {
        let mut seen = std::collections::BTreeSet::new();
        for kind in [IdKind::Envelope, IdKind::Event, IdKind::RtmFrame] {
            for len in 0..=24 {
                // Zero bytes of different lengths must not collide (the length is mixed in).
                assert!(seen.insert(id_key(kind, &vec![0u8; len])));
            }
        }
        let base = *b"e5d3b6f1-7a2c-4c1d-9a7e-0c2b3d4e5f60";
        for at in 0..base.len() {
            for bit in 0..8 {
                let mut id = base;
                id[at] ^= 1 << bit;
                assert!(
                    seen.insert(id_key(IdKind::Envelope, &id)),
                    "byte {at} bit {bit}"
                );
            }
        }
        for n in 0..200_000u32 {
            let id = format!("Ev{n:08}");
            assert!(seen.insert(id_key(IdKind::Event, id.as_bytes())), "{id}");
        }
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
