//! A set of 64-bit digests for dedupe: the keys themselves in one array (open addressing with
//! linear probing), so a lookup, an insert or a removal usually touches one cache line.
//!
//! Dedupe inserts every id it sees and forgets the oldest one for each, so at its working size
//! both operations land on a random, long-unvisited part of a table of tens of thousands of
//! keys. A general hash set splits each bucket into a control byte and a slot (two cache misses
//! per operation) and leaves tombstones behind removals; here a digest is its own hash and its
//! own slot, and a removal shifts the rest of its run back (no tombstones, no rehash to purge
//! them).

/// Marks a free slot. A digest that happens to be zero is stored as [`ZERO_STAND_IN`]: the two
/// then collide, like any two digests with the same 64 bits.
const FREE: u64 = 0;
const ZERO_STAND_IN: u64 = 1;
/// Slots for the fewest keys; the table doubles while more than `MAX_LOAD` of it is used.
const MIN_SLOTS: usize = 16;
/// At most 5/8 full: a miss then probes about four slots, half a cache line.
const MAX_LOAD_NUM: usize = 5;
const MAX_LOAD_DEN: usize = 8;

#[derive(Debug)]
pub(crate) struct KeySet {
    slots: Vec<u64>,
    len: usize,
}

impl KeySet {
    /// A set with room for `keys` keys before it grows.
    pub(crate) fn with_capacity(keys: usize) -> Self {
        KeySet {
            slots: vec![FREE; slots_for(keys)],
            len: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[cfg(test)]
    pub(crate) fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Adds `key`; false if it was already there.
    pub(crate) fn insert(&mut self, key: u64) -> bool {
        let key = stored(key);
        if (self.len + 1) * MAX_LOAD_DEN > self.slots.len() * MAX_LOAD_NUM {
            self.grow();
        }
        let mask = self.mask();
        let mut at = home(key, mask);
        loop {
            match self.slots[at] {
                FREE => {
                    self.slots[at] = key;
                    self.len += 1;
                    return true;
                }
                present if present == key => return false,
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Takes `key` out; false if it was not there.
    pub(crate) fn remove(&mut self, key: u64) -> bool {
        let key = stored(key);
        let mask = self.mask();
        let mut hole = home(key, mask);
        loop {
            match self.slots[hole] {
                FREE => return false,
                present if present == key => break,
                _ => hole = (hole + 1) & mask,
            }
        }
        // Close the hole: a later key of the same run moves into it if the hole lies on its
        // probe path (between its home and where it sits), and leaves a hole of its own.
        let mut next = hole;
        loop {
            next = (next + 1) & mask;
            let moving = self.slots[next];
            if moving == FREE {
                break;
            }
            let from_home = |slot: usize| slot.wrapping_sub(home(moving, mask)) & mask;
            if from_home(hole) < from_home(next) {
                self.slots[hole] = moving;
                hole = next;
            }
        }
        self.slots[hole] = FREE;
        self.len -= 1;
        true
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    fn grow(&mut self) {
        let doubled = vec![FREE; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        let mask = self.mask();
        for key in old.into_iter().filter(|&k| k != FREE) {
            let mut at = home(key, mask);
            while self.slots[at] != FREE {
                at = (at + 1) & mask;
            }
            self.slots[at] = key;
        }
    }
}

/// The power of two of slots that holds `keys` keys within the load limit.
fn slots_for(keys: usize) -> usize {
    (keys.saturating_mul(MAX_LOAD_DEN) / MAX_LOAD_NUM + 1)
        .max(MIN_SLOTS)
        .next_power_of_two()
}

fn stored(key: u64) -> u64 {
    if key == FREE {
        ZERO_STAND_IN
    } else {
        key
    }
}

/// Where a key's probe starts. Digests are uniform, so their low bits will do; the high ones
/// are folded in anyway, in case a caller ever stores something less mixed.
fn home(key: u64, mask: usize) -> usize {
    ((key ^ (key >> 32)) as usize) & mask
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn zero_is_a_key_like_any_other() {
        let mut set = KeySet::with_capacity(4);
        assert!(set.insert(0));
        assert!(!set.insert(0));
        assert!(set.remove(0));
        assert!(!set.remove(0));
        assert_eq!(set.len(), 0);
    }

    #[test]
    fn grows_past_its_first_capacity_and_keeps_every_key() {
        let mut set = KeySet::with_capacity(1);
        for k in 1..=1000u64 {
            assert!(set.insert(k << 40), "{k}");
        }
        assert_eq!(set.len(), 1000);
        assert!(set.slots.len() * MAX_LOAD_NUM >= 1000 * MAX_LOAD_DEN);
        for k in 1..=1000u64 {
            assert!(!set.insert(k << 40), "{k}");
        }
    }

    proptest! {
        /// Against std's ordered set, with keys crowded onto a few homes (long runs that wrap around
        /// the table's end) so that removals shift runs.
        #[test]
        fn behaves_like_a_hash_set(
            ops in proptest::collection::vec((any::<bool>(), 0u64..48, 0u64..4), 0..600),
        ) {
            let mut set = KeySet::with_capacity(8);
            let mut model = BTreeSet::new();
            for (insert, low, high) in ops {
                // Homes 14, 15, 0, 1 of a 16-slot table: runs cross the wrap. (Bit 62 keeps
                // zero, which shares its slot with one, out of the model.)
                let key = (1 << 62) | (low << 36) | ((14 + high) % 16);
                if insert {
                    prop_assert_eq!(set.insert(key), model.insert(key));
                } else {
                    prop_assert_eq!(set.remove(key), model.remove(&key));
                }
                prop_assert_eq!(set.len(), model.len());
            }
            for key in &model {
                prop_assert!(!set.insert(*key));
            }
        }
    }
}
