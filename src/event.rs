//! What the session tells the application.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use crate::envelope::{DisconnectReason, Envelope, Hello};
use crate::ids::ConnId;
use crate::rtm::{RtmConnected, RtmEvent, RtmReply};
use crate::webapi::ApiError;

/// Something for the application. `#[non_exhaustive]`: match the variants you care about.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event {
    /// A connection said `hello` and is live.
    Hello(Hello),
    /// A Socket Mode envelope. Unless its [`ack_state`](Envelope::ack_state) says otherwise it was
    /// acked before this event was emitted.
    Envelope(Envelope),
    /// Slack announced a `disconnect`; the session has already acted on the reason.
    Disconnect {
        /// On which connection.
        conn: ConnId,
        /// Why.
        reason: DisconnectReason,
    },
    /// A connection is gone (lost, failed, or closed on purpose).
    ConnectionClosed {
        /// Which.
        conn: ConnId,
        /// Why.
        cause: CloseCause,
    },
    /// The session will open a connection after `delay`.
    Reconnecting {
        /// Failures since the last stable period, this one included.
        attempt: u32,
        /// Wait before the attempt. After a rate limit it is at least the `Retry-After` in
        /// `cause` ([`ApiError::RateLimited`]), up to [`Config::with_max_retry_after`]
        /// (default 300 s): a `retry_after` longer than `delay` means the cap applied ("Slack
        /// asked for 3600 s; waiting 300 s").
        ///
        /// [`Config::with_max_retry_after`]: crate::Config::with_max_retry_after
        delay: Duration,
        /// What made it necessary.
        cause: ReconnectCause,
    },
    /// A frame could not be used as is. The connection goes on.
    ProtocolError(ProtocolError),
    /// A redelivery of an envelope already dispatched within the dedupe window: acked, not dispatched.
    Duplicate {
        /// Where it arrived.
        conn: ConnId,
        /// Its `envelope_id`.
        envelope_id: String,
        /// Its `payload.event_id`, if any.
        event_id: Option<String>,
        /// Its `retry_attempt`.
        retry_attempt: u32,
    },
    /// A deferred ack reached its deadline without the app's `ack`.
    AckOverdue {
        /// Which envelope.
        envelope_id: String,
        /// True if the session sent a bare ack ([`LateAckPolicy::AutoAck`](crate::LateAckPolicy)).
        auto_acked: bool,
    },
    /// RTM: the connection URL was granted; carries `self`, `team` and for `rtm.start` the
    /// workspace state, parsed on demand.
    RtmConnected(RtmConnected),
    /// RTM: an event from Slack.
    Rtm(RtmEvent),
    /// RTM: the outcome of a message sent with an id.
    RtmReply(RtmReply),
    /// RTM: Slack said `goodbye`; a replacement is being opened.
    Goodbye {
        /// On which connection.
        conn: ConnId,
    },
    /// RTM: an `error` frame.
    RtmError {
        /// On which connection.
        conn: ConnId,
        /// `error.code`.
        code: i64,
        /// `error.msg`.
        msg: String,
        /// The whole frame (extra fields such as `source` included).
        raw: Bytes,
    },
    /// The session has stopped for good and will do nothing more.
    Stopped(StopReason),
}

/// Why a connection closed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseCause {
    /// A newer connection said `hello` and took over (refresh, `disconnect` warning, goodbye).
    Replaced,
    /// A ping went unanswered (half-open connection).
    PongTimeout,
    /// Nothing was received for the idle timeout.
    IdleTimeout,
    /// No `hello` arrived in time.
    HelloTimeout,
    /// The socket could not be opened.
    ConnectFailed(String),
    /// The server or the network closed it.
    ClosedByPeer {
        /// WebSocket close code, if a close frame came.
        code: Option<u16>,
        /// Close reason or the driver's error text.
        reason: String,
    },
    /// Slack said `too_many_websockets`.
    TooManyWebsockets,
    /// The app asked for shutdown.
    Shutdown,
    /// The session stopped (fatal error or `link_disabled`).
    Stopped,
}

impl fmt::Display for CloseCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseCause::Replaced => f.write_str("replaced by a newer connection"),
            CloseCause::PongTimeout => f.write_str("ping unanswered"),
            CloseCause::IdleTimeout => f.write_str("nothing received for too long"),
            CloseCause::HelloTimeout => f.write_str("no hello in time"),
            CloseCause::ConnectFailed(e) => write!(f, "connect failed: {e}"),
            CloseCause::ClosedByPeer {
                code: Some(code),
                reason,
            } => write!(f, "closed by peer ({code} {reason})"),
            CloseCause::ClosedByPeer { code: None, reason } => {
                write!(f, "connection lost: {reason}")
            }
            CloseCause::TooManyWebsockets => f.write_str("too many websockets"),
            CloseCause::Shutdown => f.write_str("shutdown"),
            CloseCause::Stopped => f.write_str("session stopped"),
        }
    }
}

/// Why the session is reconnecting.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReconnectCause {
    /// `apps.connections.open` / `rtm.connect` failed.
    Api(ApiError),
    /// The URL response had no usable `url`.
    BadUrl,
    /// A connection failed or was lost.
    Connection(CloseCause),
    /// Slack asked to replace a connection (`disconnect`, RTM `goodbye`, or its
    /// `approximate_connection_time` ran out) that had been live only `lived` (zero: it never
    /// said `hello`), less than `stable_after`, after another replacement or loss since the
    /// last stable period: a failure, so the replacement waits for the backoff. The connection
    /// stays open meanwhile.
    ShortLived {
        /// How long it had been live.
        lived: Duration,
    },
}

impl fmt::Display for ReconnectCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReconnectCause::Api(e) => write!(f, "{e}"),
            ReconnectCause::BadUrl => f.write_str("no usable WebSocket URL in the response"),
            ReconnectCause::Connection(c) => write!(f, "{c}"),
            ReconnectCause::ShortLived { lived } => write!(
                f,
                "replacement asked for {:.1} s after hello",
                lived.as_secs_f64()
            ),
        }
    }
}

/// A frame the session could not use as is.
#[derive(Clone)]
pub struct ProtocolError {
    /// Where it arrived.
    pub conn: ConnId,
    /// What was wrong.
    pub kind: ProtocolErrorKind,
    /// The `envelope_id` found anyway (the envelope was acked), if any.
    pub envelope_id: Option<String>,
    /// The frame as received (may hold user content; not shown by `Debug`).
    pub raw: Bytes,
}

impl fmt::Debug for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProtocolError")
            .field("conn", &self.conn)
            .field("kind", &self.kind)
            .field("envelope_id", &self.envelope_id)
            .field("raw_bytes", &self.raw.len())
            .finish()
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.kind, self.conn)?;
        if let Some(id) = &self.envelope_id {
            write!(f, " (envelope {id} acked)")?;
        }
        Ok(())
    }
}

/// The kinds of [`ProtocolError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolErrorKind {
    /// Not valid JSON, or not an object, or a field of an impossible type.
    Malformed(String),
    /// A frame whose `type` is unknown and which is not an envelope; `None`: a frame without a
    /// `type`, such as an ack echoed back by the server (an `envelope_id` without a `type` is
    /// not an envelope and is not acked).
    UnknownType(Option<String>),
    /// A binary frame (Slack only sends text).
    Binary,
    /// Larger than the configured inbound limit.
    Oversized {
        /// Its size.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// An empty or whitespace-only text frame (Slack sends them now and then; nothing to do
    /// with it). Every one is counted in [`Stats::empty_frames`](crate::Stats); only the 1st,
    /// 2nd, 4th, 8th... are reported, with the count so far, so they cannot flood the app.
    Empty {
        /// Empty frames received so far by the session (all connections).
        total: u64,
    },
    /// A frame that came before `hello` (still processed).
    BeforeHello,
    /// An RTM `reply_to` for an id this session never sent.
    UnexpectedReply(u64),
}

impl fmt::Display for ProtocolErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolErrorKind::Malformed(detail) => write!(f, "malformed frame: {detail}"),
            ProtocolErrorKind::UnknownType(Some(t)) => write!(f, "unknown frame type `{t}`"),
            ProtocolErrorKind::UnknownType(None) => f.write_str("frame without a type"),
            ProtocolErrorKind::Binary => f.write_str("binary frame"),
            ProtocolErrorKind::Oversized { len, limit } => {
                write!(f, "frame of {len} bytes exceeds {limit}")
            }
            ProtocolErrorKind::Empty { total } => {
                write!(f, "empty frame ({total} so far, reported at powers of two)")
            }
            ProtocolErrorKind::BeforeHello => f.write_str("frame before hello"),
            ProtocolErrorKind::UnexpectedReply(id) => write!(f, "reply to unknown message id {id}"),
        }
    }
}

/// Why the session stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// A Web API error that retrying cannot fix (bad token, revoked, wrong token type...).
    Fatal(ApiError),
    /// Slack said `disconnect` with `link_disabled`: Socket Mode is off for this app.
    LinkDisabled,
    /// The app asked for it and the drain finished.
    Shutdown,
}

impl StopReason {
    /// Whether Slack ended the session for good (as opposed to the app shutting it down).
    pub fn is_fatal(&self) -> bool {
        !matches!(self, StopReason::Shutdown)
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Fatal(e) => write!(f, "fatal: {e}"),
            StopReason::LinkDisabled => {
                f.write_str("Socket Mode was disabled for this app (link_disabled)")
            }
            StopReason::Shutdown => f.write_str("shut down"),
        }
    }
}
