//! What the session asks its driver to do.

use std::fmt;

use crate::event::Event;
use crate::ids::ConnId;
use crate::webapi::{redact_url, HttpRequest};

/// WebSocket close code for an orderly close (replacement, shutdown, `link_disabled`).
pub const CLOSE_NORMAL: u16 = 1000;
/// WebSocket close code when a connection is abandoned as dead (pong, idle or hello timeout).
pub const CLOSE_GOING_AWAY: u16 = 1001;

/// One thing for the driver to do, in order. Drain with [`Session::poll_action`](crate::Session::poll_action).
#[derive(Clone)]
#[non_exhaustive]
pub enum Action {
    /// POST this Web API request; answer with `handle_http_response` or `handle_http_failed`.
    Http(HttpRequest),
    /// Open a WebSocket to `url` for `conn`; answer with `handle_connected` or
    /// `handle_connect_failed`, then feed its messages. The URL is single-use and secret.
    Connect {
        /// The connection this socket becomes.
        conn: ConnId,
        /// `wss://…` (or `ws://` to a loopback test server).
        url: String,
    },
    /// Send a text frame on `conn` (an ack, an RTM message or RTM ping).
    SendText {
        /// Where.
        conn: ConnId,
        /// The frame; already checked against Slack's size limit.
        text: String,
    },
    /// Send a WebSocket ping with this payload on `conn`; report the pong with `handle_pong`.
    SendPing {
        /// Where.
        conn: ConnId,
        /// Echoed back in the pong.
        payload: [u8; 8],
    },
    /// Close `conn` with this code and forget it: the session ignores anything it still reports
    /// about it. The driver should bound the close handshake (the socket may be half-open).
    Close {
        /// Which.
        conn: ConnId,
        /// WebSocket close code.
        code: u16,
        /// Close reason text.
        reason: &'static str,
    },
    /// Hand this event to the application.
    Dispatch(Event),
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Http(req) => f.debug_tuple("Http").field(req).finish(),
            Action::Connect { conn, url } => f
                .debug_struct("Connect")
                .field("conn", conn)
                .field("url", &redact_url(url))
                .finish(),
            Action::SendText { conn, text } => f
                .debug_struct("SendText")
                .field("conn", conn)
                .field("bytes", &text.len())
                .finish(),
            Action::SendPing { conn, payload } => f
                .debug_struct("SendPing")
                .field("conn", conn)
                .field("payload", payload)
                .finish(),
            Action::Close { conn, code, reason } => f
                .debug_struct("Close")
                .field("conn", conn)
                .field("code", code)
                .field("reason", reason)
                .finish(),
            Action::Dispatch(event) => f.debug_tuple("Dispatch").field(event).finish(),
        }
    }
}
