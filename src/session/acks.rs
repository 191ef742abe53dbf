//! Envelopes waiting for the application's ack, and their deadlines.

use std::collections::VecDeque;
use std::ops::Range;
use std::time::Duration;

use bytes::Bytes;

use crate::dedupe::DigestMap;
use crate::ids::ConnId;
use crate::time::Instant;

/// How long an overdue envelope stays ackable under [`LateAckPolicy::Report`](crate::LateAckPolicy).
pub(crate) const LATE_GRACE: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub(crate) struct PendingAck {
    pub(crate) conn: ConnId,
    /// The received frame, shared (no copy), and where the id sits in it as it appeared on the
    /// wire (valid JSON string contents, so the ack echoes it without escaping).
    pub(crate) frame: Bytes,
    pub(crate) id: Range<usize>,
    pub(crate) deadline: Instant,
    pub(crate) overdue: bool,
    /// Redeliveries of the same id that came while this ack was pending (app acks): the app's
    /// ack answers each of them too.
    pub(crate) redelivered: u32,
    /// The digest of its event id, if it has one: a redelivery under another envelope id
    /// finds its first delivery by it.
    pub(crate) event: Option<u64>,
    /// Retries of the same event under other envelope ids that came while this ack was
    /// pending (app acks): acked with it.
    pub(crate) retries: Vec<Retry>,
}

/// A retry's envelope id as it appeared on the wire, and where it came from.
#[derive(Debug)]
pub(crate) struct Retry {
    pub(crate) conn: ConnId,
    pub(crate) frame: Bytes,
    pub(crate) id: Range<usize>,
}

impl PendingAck {
    pub(crate) fn raw_id(&self) -> &str {
        crate::json::text_at(&self.frame, self.id.clone())
    }
}

/// What a deadline sweep found.
#[derive(Debug)]
pub(crate) enum Due {
    /// The ack deadline passed: apply the late-ack policy.
    Deadline(u64),
    /// An overdue entry's grace ran out: forget it.
    Forget,
}

/// Pending acks by id digest, with two queues of deadlines. Each queue is filled in time order
/// (deadlines are receipt time plus a constant), so the earliest is always at the front.
#[derive(Debug, Default)]
pub(crate) struct AckTracker {
    pending: DigestMap<PendingAck>,
    due: VecDeque<(Instant, u64)>,
    forget: VecDeque<(Instant, u64)>,
}

impl AckTracker {
    pub(crate) fn insert(&mut self, key: u64, ack: PendingAck) {
        self.due.push_back((ack.deadline, key));
        self.pending.insert(key, ack);
    }

    pub(crate) fn get(&self, key: u64) -> Option<&PendingAck> {
        self.pending.get(&key)
    }

    pub(crate) fn get_mut(&mut self, key: u64) -> Option<&mut PendingAck> {
        self.pending.get_mut(&key)
    }

    /// The pending ack of a delivery of this event (by its id digest). Asked only for
    /// redeliveries, which are rare, so a scan of the pending acks is fine.
    pub(crate) fn owed_event_mut(&mut self, event: u64) -> Option<&mut PendingAck> {
        self.pending.values_mut().find(|p| p.event == Some(event))
    }

    pub(crate) fn remove(&mut self, key: u64) -> Option<PendingAck> {
        let removed = self.pending.remove(&key);
        self.trim();
        removed
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }

    /// Every pending key, oldest first (for shutdown; runs once, so the quadratic check is fine).
    pub(crate) fn keys_in_order(&self) -> Vec<u64> {
        let mut keys = Vec::with_capacity(self.pending.len());
        for &(_, key) in self.due.iter().chain(self.forget.iter()) {
            if self.pending.contains_key(&key) && !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys
    }

    pub(crate) fn clear(&mut self) {
        self.pending.clear();
        self.due.clear();
        self.forget.clear();
    }

    /// Marks an entry overdue and keeps it ackable for the grace period.
    pub(crate) fn mark_overdue(&mut self, key: u64, now: Instant) {
        if let Some(p) = self.pending.get_mut(&key) {
            p.overdue = true;
            self.forget.push_back((now + LATE_GRACE, key));
        }
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let due = self.due.front().map(|&(at, _)| at);
        let forget = self.forget.front().map(|&(at, _)| at);
        match (due, forget) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Pops the next expired deadline, if any.
    pub(crate) fn pop_expired(&mut self, now: Instant) -> Option<Due> {
        loop {
            let due_front = self.due.front().copied().filter(|&(at, _)| at <= now);
            if let Some((at, key)) = due_front {
                self.due.pop_front();
                match self.pending.get(&key) {
                    Some(p) if !p.overdue && p.deadline == at => return Some(Due::Deadline(key)),
                    _ => continue,
                }
            }
            let forget_front = self.forget.front().copied().filter(|&(at, _)| at <= now);
            if let Some((_, key)) = forget_front {
                self.forget.pop_front();
                if self.pending.get(&key).is_some_and(|p| p.overdue) {
                    self.pending.remove(&key);
                    return Some(Due::Forget);
                }
                continue;
            }
            return None;
        }
    }

    /// Drops queue entries whose envelope was acked, so `next_deadline` does not report stale times.
    fn trim(&mut self) {
        while self
            .due
            .front()
            .is_some_and(|(_, k)| self.pending.get(k).is_none_or(|p| p.overdue))
        {
            self.due.pop_front();
        }
        while self
            .forget
            .front()
            .is_some_and(|(_, k)| !self.pending.contains_key(k))
        {
            self.forget.pop_front();
        }
    }
}

/// Why an ack was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AckError {
    /// No deferred ack is pending for this id: never received, already acked (by the session or
    /// the app), auto-acked at its deadline, or forgotten after the grace period.
    NotPending,
    /// The ack frame would exceed Slack's limit; nothing was sent and the ack is still pending.
    TooLarge {
        /// The frame's size.
        len: usize,
        /// Slack's limit (20,480 bytes).
        limit: usize,
    },
    /// No connection is open to carry it; the ack is still pending.
    NotConnected,
    /// The payload could not be serialised.
    Payload(String),
    /// The session has stopped.
    Stopped,
}

impl std::fmt::Display for AckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AckError::NotPending => f.write_str("no ack is pending for this envelope"),
            AckError::TooLarge { len, limit } => {
                write!(f, "ack of {len} bytes exceeds Slack's limit of {limit}")
            }
            AckError::NotConnected => f.write_str("no open connection to send the ack on"),
            AckError::Payload(e) => write!(f, "response payload could not be serialised: {e}"),
            AckError::Stopped => f.write_str("the session has stopped"),
        }
    }
}

impl std::error::Error for AckError {}
