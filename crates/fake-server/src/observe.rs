//! What the server did, as it happens, for people watching (`slackline demo`, logs). Best
//! effort: events go through a bounded channel with `try_send`, so a slow watcher loses events
//! and never slows the server. Tokens never appear: client frames are redacted and request
//! bodies are not included.

use std::sync::Arc;
use std::time::Duration;

/// An [`Observed`] event and when it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Observation {
    /// Time since the server started (the script's clock), read when it happened: latencies
    /// computed from these are the server's view, not the watcher's.
    pub at: Duration,
    /// What happened.
    pub what: Observed,
}

/// One thing the fake Slack did or saw.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Observed {
    /// A Web API call was answered.
    Http {
        /// The method (`apps.connections.open`, `chat.postMessage`, ...).
        method: String,
        /// The HTTP status sent.
        status: u16,
        /// Slack's `error` code when the answer was `ok:false`.
        error: Option<String>,
        /// For `chat.postMessage`: the channel and the text posted.
        posted: Option<(String, String)>,
    },
    /// A WebSocket was accepted.
    Connected {
        /// The fake's socket number (1, 2, ... in connection order).
        socket: u32,
    },
    /// A WebSocket handshake was refused.
    Rejected {
        /// The status the upgrade was answered with.
        status: u16,
        /// Why.
        reason: String,
    },
    /// A text frame went to the client.
    Sent {
        /// Where.
        socket: u32,
        /// The frame.
        text: Arc<str>,
    },
    /// A text frame came from the client (tokens redacted).
    Received {
        /// Where.
        socket: u32,
        /// The frame.
        text: Arc<str>,
    },
    /// The fake closed a socket.
    ServerClosed {
        /// Which.
        socket: u32,
        /// The close code.
        code: u16,
    },
    /// The client closed a socket (`code` is `None` when the connection just dropped).
    ClientClosed {
        /// Which.
        socket: u32,
        /// The close code, if a close frame came.
        code: Option<u16>,
    },
    /// The fake stopped reading and writing a socket without closing it (half-open).
    Silenced {
        /// Which.
        socket: u32,
    },
    /// The script is over; the verdict is final.
    Finished,
}
