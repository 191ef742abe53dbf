//! Deadlines in small fixed tables (after quinn-proto's `TimerTable`): no heap, no allocation,
//! and the next deadline is a `min` over a handful of slots.

use crate::ids::ConnId;
use crate::time::Instant;

/// Which deadline `poll_timeout` is reporting (see [`Session::timeout_reason`](crate::Session::timeout_reason)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Timer {
    /// The in-flight `apps.connections.open` / `rtm.connect` request times out.
    HttpRequest,
    /// The backoff before the next connection attempt ends.
    Retry,
    /// A deferred ack falls due (or an overdue one is forgotten).
    AckDeadline,
    /// The next paced RTM message may go out.
    RtmSend,
    /// An RTM message's reply is overdue, or the resume window after a reconnect ends.
    RtmReply,
    /// Graceful shutdown stops waiting.
    Shutdown,
    /// A connection must have said `hello` by now.
    Hello(ConnId),
    /// Time to ping this connection.
    Ping(ConnId),
    /// The ping on this connection has gone unanswered too long.
    Pong(ConnId),
    /// This connection has received nothing for too long.
    Idle(ConnId),
    /// Slack's `approximate_connection_time` is nearly over: open the replacement.
    Refresh(ConnId),
}

/// A fixed set of optional deadlines indexed by a small enum.
#[derive(Clone, Debug)]
pub(crate) struct TimerTable<const N: usize> {
    at: [Option<Instant>; N],
}

impl<const N: usize> Default for TimerTable<N> {
    fn default() -> Self {
        TimerTable { at: [None; N] }
    }
}

impl<const N: usize> TimerTable<N> {
    pub(crate) fn set(&mut self, slot: usize, at: Instant) {
        self.at[slot] = Some(at);
    }

    pub(crate) fn clear(&mut self, slot: usize) {
        self.at[slot] = None;
    }

    pub(crate) fn get(&self, slot: usize) -> Option<Instant> {
        self.at[slot]
    }

    /// Clears and returns the slot if its deadline has passed.
    pub(crate) fn take_expired(&mut self, slot: usize, now: Instant) -> bool {
        match self.at[slot] {
            Some(at) if at <= now => {
                self.at[slot] = None;
                true
            }
            _ => false,
        }
    }

    /// The earliest deadline and its slot.
    pub(crate) fn next(&self) -> Option<(usize, Instant)> {
        self.at
            .iter()
            .enumerate()
            .filter_map(|(i, at)| at.map(|at| (i, at)))
            .min_by_key(|&(_, at)| at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_the_earliest_and_expiry_clears() {
        let mut t = TimerTable::<3>::default();
        assert_eq!(t.next(), None);
        t.set(0, Instant::from_secs(5));
        t.set(2, Instant::from_secs(2));
        assert_eq!(t.next(), Some((2, Instant::from_secs(2))));
        assert!(!t.take_expired(0, Instant::from_secs(4)));
        assert!(t.take_expired(2, Instant::from_secs(2)));
        assert_eq!(t.next(), Some((0, Instant::from_secs(5))));
        t.clear(0);
        assert_eq!(t.get(0), None);
    }
}
