//! One WebSocket connection's state inside the session.

use crate::envelope::Hello;
use crate::ids::ConnId;
use crate::rtm::RtmConnected;
use crate::time::Instant;
use crate::timer::{Timer, TimerTable};

/// Where a connection is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// `Connect` was emitted; the socket is being opened.
    Connecting,
    /// The socket is open; waiting for `hello`.
    AwaitingHello,
    /// `hello` arrived: envelopes and events flow.
    Live,
}

/// A read-only view of one connection, for observability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// Its id.
    pub id: ConnId,
    /// Its phase.
    pub phase: Phase,
    /// Whether a replacement has been asked for (refresh, `disconnect` warning, goodbye).
    pub retiring: bool,
    /// When it said `hello`.
    pub live_since: Option<Instant>,
}

/// Slots of a connection's timer table.
pub(crate) mod slot {
    pub(crate) const HELLO: usize = 0;
    pub(crate) const PING: usize = 1;
    pub(crate) const PONG: usize = 2;
    pub(crate) const IDLE: usize = 3;
    pub(crate) const REFRESH: usize = 4;
    pub(crate) const COUNT: usize = 5;
}

#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) id: ConnId,
    pub(crate) phase: Phase,
    pub(crate) retiring: bool,
    pub(crate) live_since: Option<Instant>,
    pub(crate) timers: TimerTable<{ slot::COUNT }>,
    /// The liveness ping awaiting its pong (Socket Mode: WS ping payload; RTM: message id).
    pub(crate) outstanding_ping: Option<u64>,
    pub(crate) next_ping: u64,
    pub(crate) hello: Option<Hello>,
    /// RTM: the grant to dispatch once this connection says `hello`.
    pub(crate) rtm_grant: Option<RtmConnected>,
}

impl Conn {
    pub(crate) fn new(id: ConnId, now: Instant, hello_deadline: Instant) -> Self {
        let mut timers = TimerTable::default();
        timers.set(slot::HELLO, hello_deadline);
        let _ = now;
        Conn {
            id,
            phase: Phase::Connecting,
            retiring: false,
            live_since: None,
            timers,
            outstanding_ping: None,
            next_ping: 1,
            hello: None,
            rtm_grant: None,
        }
    }

    /// Open at the WebSocket level (frames may be sent on it).
    pub(crate) fn is_open(&self) -> bool {
        self.phase != Phase::Connecting
    }

    pub(crate) fn is_live(&self) -> bool {
        self.phase == Phase::Live
    }

    pub(crate) fn info(&self) -> ConnectionInfo {
        ConnectionInfo {
            id: self.id,
            phase: self.phase,
            retiring: self.retiring,
            live_since: self.live_since,
        }
    }

    pub(crate) fn next_deadline(&self) -> Option<(Timer, Instant)> {
        self.timers.next().map(|(slot, at)| {
            let timer = match slot {
                slot::HELLO => Timer::Hello(self.id),
                slot::PING => Timer::Ping(self.id),
                slot::PONG => Timer::Pong(self.id),
                slot::IDLE => Timer::Idle(self.id),
                _ => Timer::Refresh(self.id),
            };
            (timer, at)
        })
    }
}
