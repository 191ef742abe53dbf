//! The deliveries waiting for their ack: a fixed table of at most N slots and a free list.
//! Acks may come in any order, so a slot is freed by its own ack, not by age; the id sent
//! names its slot and its sequence number, so matching an ack is one lookup and one compare.

use slackline::Instant;

#[derive(Clone, Copy, Debug)]
struct InFlight {
    seq: u64,
    sent_at: Instant,
}

#[derive(Clone, Debug)]
pub(crate) struct Slots {
    table: Vec<Option<InFlight>>,
    free: Vec<u32>,
}

/// What an ack's id matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Matched {
    /// A delivery in flight, sent at this time.
    InFlight { sent_at: Instant },
    /// Not in flight: acked already (the slot is free or holds a later delivery).
    NotInFlight,
}

impl Slots {
    pub(crate) fn new(capacity: u32) -> Self {
        let capacity = capacity.max(1);
        Slots {
            table: vec![None; capacity as usize],
            // Popped from the end: slot 0 first.
            free: (0..capacity).rev().collect(),
        }
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.table.len() - self.free.len()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.free.is_empty()
    }

    /// Takes a free slot for delivery `seq`.
    pub(crate) fn take(&mut self, seq: u64, sent_at: Instant) -> Option<u32> {
        let slot = self.free.pop()?;
        self.table[slot as usize] = Some(InFlight { seq, sent_at });
        Some(slot)
    }

    /// Frees the slot if it holds delivery `seq`.
    pub(crate) fn release(&mut self, slot: u32, seq: u64) -> Matched {
        let Some(entry) = self.table.get_mut(slot as usize) else {
            return Matched::NotInFlight;
        };
        match *entry {
            Some(flight) if flight.seq == seq => {
                *entry = None;
                self.free.push(slot);
                Matched::InFlight {
                    sent_at: flight.sent_at,
                }
            }
            _ => Matched::NotInFlight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_order_acks_free_their_own_slots() {
        let mut slots = Slots::new(3);
        let t = Instant::from_millis;
        assert_eq!(slots.take(0, t(0)), Some(0));
        assert_eq!(slots.take(1, t(1)), Some(1));
        assert_eq!(slots.take(2, t(2)), Some(2));
        assert!(slots.is_full());
        assert_eq!(slots.take(3, t(3)), None);
        assert_eq!(slots.release(1, 1), Matched::InFlight { sent_at: t(1) });
        assert_eq!(slots.release(1, 1), Matched::NotInFlight);
        assert_eq!(slots.take(3, t(3)), Some(1));
        // The old ack of slot 1 does not free the new delivery in it.
        assert_eq!(slots.release(1, 1), Matched::NotInFlight);
        assert_eq!(slots.release(9, 0), Matched::NotInFlight);
        assert_eq!(slots.in_flight(), 3);
    }
}
