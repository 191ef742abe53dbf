//! One accepted WebSocket on the fake's side, and how steps pick sockets.

use std::collections::BTreeSet;
use std::time::Duration;

use super::ids::SocketId;
use super::script::Target;
use slackline::Instant;

/// Which protocol a socket speaks (decided by the URL it was opened with).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SocketKind {
    SocketMode,
    Rtm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SocketState {
    Open,
    /// Half-open: the fake neither sends nor hears anything.
    Silent,
    ClosedByClient,
    ClosedByServer,
}

/// RTM allows one message per second "with some bursting": a token bucket.
#[derive(Debug)]
pub(crate) struct RateBucket {
    tokens: f64,
    burst: f64,
    updated: Instant,
}

impl RateBucket {
    pub(crate) fn new(burst: u32, now: Instant) -> Self {
        RateBucket {
            tokens: f64::from(burst),
            burst: f64::from(burst),
            updated: now,
        }
    }

    /// Takes a token; false when the client is over the rate.
    pub(crate) fn take(&mut self, now: Instant) -> bool {
        let refill = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + refill).min(self.burst);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[derive(Debug)]
pub(crate) struct Socket {
    pub(crate) id: SocketId,
    pub(crate) kind: SocketKind,
    pub(crate) state: SocketState,
    pub(crate) greeted: bool,
    /// A `disconnect` (or `goodbye`) went out: new envelopes prefer other sockets.
    pub(crate) told_to_leave: bool,
    /// When it went silent or closed.
    pub(crate) gone_at: Option<Instant>,
    /// The server closes it at this time (after a disconnect's grace period).
    pub(crate) close_at: Option<Instant>,
    /// `approximate_connection_time` from the URL (`debug_reconnects`) or the hello.
    pub(crate) lifetime: Option<Duration>,
    pub(crate) warn_at: Option<Instant>,
    pub(crate) refresh_at: Option<Instant>,
    pub(crate) next_ping_at: Option<Instant>,
    pub(crate) ping_seq: u64,
    pub(crate) rtm_ids: BTreeSet<u64>,
    pub(crate) rtm_rate: RateBucket,
}

impl Socket {
    pub(crate) fn new(id: SocketId, kind: SocketKind, now: Instant, burst: u32) -> Self {
        Socket {
            id,
            kind,
            state: SocketState::Open,
            greeted: false,
            told_to_leave: false,
            gone_at: None,
            close_at: None,
            lifetime: None,
            warn_at: None,
            refresh_at: None,
            next_ping_at: None,
            ping_seq: 0,
            rtm_ids: BTreeSet::new(),
            rtm_rate: RateBucket::new(burst, now),
        }
    }

    pub(crate) fn is_open(&self) -> bool {
        self.state == SocketState::Open
    }

    /// Open and greeted: steps may send on it.
    pub(crate) fn is_ready(&self) -> bool {
        self.is_open() && self.greeted
    }

    /// Whether it stopped being reachable at or before `at` (silent or closed by either side).
    pub(crate) fn gone_by(&self, at: Instant) -> bool {
        self.gone_at.is_some_and(|gone| gone <= at)
    }

    pub(crate) fn mark_gone(&mut self, state: SocketState, now: Instant) {
        self.state = state;
        self.gone_at.get_or_insert(now);
        self.close_at = None;
        self.warn_at = None;
        self.refresh_at = None;
        self.next_ping_at = None;
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        if !self.is_open() {
            return None;
        }
        [
            self.close_at,
            self.warn_at,
            self.refresh_at,
            self.next_ping_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// The sockets a step with `target` goes to, among `candidates` (oldest first). Sockets told to
/// leave are used only when no other is available. `Any` takes turns via `turn`.
pub(crate) fn pick(candidates: &[&Socket], target: Target, turn: &mut usize) -> Vec<SocketId> {
    let staying: Vec<&&Socket> = candidates.iter().filter(|s| !s.told_to_leave).collect();
    let pool: Vec<SocketId> = if staying.is_empty() {
        candidates.iter().map(|s| s.id).collect()
    } else {
        staying.iter().map(|s| s.id).collect()
    };
    let (Some(&first), Some(&last)) = (pool.first(), pool.last()) else {
        return Vec::new();
    };
    match target {
        Target::All => candidates.iter().map(|s| s.id).collect(),
        Target::Oldest => vec![first],
        Target::Newest => vec![last],
        _ => {
            let chosen = pool[*turn % pool.len()];
            *turn = turn.wrapping_add(1);
            vec![chosen]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_one_per_second() {
        let mut b = RateBucket::new(3, Instant::ZERO);
        assert!(b.take(Instant::ZERO));
        assert!(b.take(Instant::ZERO));
        assert!(b.take(Instant::ZERO));
        assert!(!b.take(Instant::ZERO));
        assert!(b.take(Instant::from_secs(1)));
        assert!(!b.take(Instant::from_millis(1500)));
        for s in 3..20 {
            assert!(b.take(Instant::from_secs(s)));
        }
    }

    #[test]
    fn picking_prefers_sockets_not_told_to_leave() {
        let mut a = Socket::new(SocketId(1), SocketKind::SocketMode, Instant::ZERO, 3);
        let b = Socket::new(SocketId(2), SocketKind::SocketMode, Instant::ZERO, 3);
        a.told_to_leave = true;
        let mut turn = 0;
        assert_eq!(pick(&[&a, &b], Target::Oldest, &mut turn), [SocketId(2)]);
        assert_eq!(pick(&[&a], Target::Any, &mut turn), [SocketId(1)]);
        assert_eq!(pick(&[&a, &b], Target::All, &mut turn).len(), 2);
        assert!(pick(&[], Target::Any, &mut turn).is_empty());
    }
}
