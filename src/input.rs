//! Everything a [`Session`](crate::Session) takes, as one type: what the network brought, what
//! the driver noticed, what the application asked. Drivers, recorders and replays pass inputs
//! around as values and feed them with [`Session::handle`](crate::Session::handle).

use std::fmt;

use bytes::Bytes;

use crate::ids::{ConnId, RequestId};
use crate::rtm::SendError;
use crate::session::AckError;
use crate::webapi::HttpResponse;

/// One input. Every input is fed together with the current time.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input {
    /// The answer to [`Action::Http`](crate::Action::Http). Answers to requests the session no
    /// longer waits for (timed out, shut down) are ignored.
    HttpResponse {
        /// The request answered.
        request: RequestId,
        /// Status, body and `Retry-After`.
        response: HttpResponse,
    },
    /// The request of [`Action::Http`](crate::Action::Http) failed before any response (DNS,
    /// TLS, refused...).
    HttpFailed {
        /// The request that failed.
        request: RequestId,
        /// Why, for the reconnect event (tokens are redacted by the session).
        detail: String,
    },
    /// The WebSocket of [`Action::Connect`](crate::Action::Connect) is open.
    Connected(ConnId),
    /// The WebSocket of [`Action::Connect`](crate::Action::Connect) could not be opened.
    ConnectFailed {
        /// The connection that failed.
        conn: ConnId,
        /// Why (tokens are redacted by the session).
        detail: String,
    },
    /// A text message arrived.
    Text {
        /// Where.
        conn: ConnId,
        /// Its bytes, as received (the session checks UTF-8 where it reads).
        frame: Bytes,
    },
    /// A binary message arrived (Slack never sends one): reported, and an envelope id inside is
    /// still acked.
    Binary {
        /// Where.
        conn: ConnId,
        /// Its bytes.
        frame: Bytes,
    },
    /// The server pinged (the WebSocket library has already answered).
    Ping(ConnId),
    /// A pong arrived.
    Pong {
        /// Where.
        conn: ConnId,
        /// The payload it echoes.
        payload: Bytes,
    },
    /// The connection closed (close frame, reset, EOF or read error).
    Closed {
        /// Which.
        conn: ConnId,
        /// The close code, if a close frame carried one.
        code: Option<u16>,
        /// The close reason or the error (tokens are redacted by the session).
        reason: String,
    },
    /// Time passed. Inputs before the deadline of
    /// [`poll_timeout`](crate::Session::poll_timeout) are harmless no-ops.
    Timeout,
    /// The driver stopped (`true`) or went back to (`false`) reading from the network because
    /// its handlers fell behind; see [`Session::handle_input_paused`](crate::Session::handle_input_paused).
    InputPaused(bool),
    /// The application acks a deferred envelope, with a response payload (JSON text) or bare.
    Ack {
        /// The envelope's id.
        envelope_id: String,
        /// The response payload as JSON, if any.
        payload: Option<String>,
    },
    /// The application queues an RTM message.
    Rtm(RtmMessage),
    /// The application asks for a graceful shutdown.
    Shutdown,
}

/// An RTM message the application queues ([`Input::Rtm`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtmMessage {
    /// A message to a channel.
    Message {
        /// The channel id.
        channel: String,
        /// The message text.
        text: String,
    },
    /// A typing indicator (Slack does not answer it).
    Typing {
        /// The channel id.
        channel: String,
    },
    /// An application-level ping.
    Ping,
    /// Any other client frame: a JSON object with a `type` (the session adds the `id`).
    Raw(serde_json::Value),
}

impl RtmMessage {
    /// Whether nobody can await its outcome (Slack does not answer `typing`).
    pub fn is_silent(&self) -> bool {
        matches!(self, RtmMessage::Typing { .. })
    }
}

/// What an accepted input yields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Handled {
    /// Taken into account.
    Done,
    /// An RTM message was queued with this id; its outcome arrives as
    /// [`Event::RtmReply`](crate::Event::RtmReply) (unless it is silent).
    RtmQueued(u64),
}

/// Why the session refused an application input. Network inputs are never refused: bad ones
/// become [`Event::ProtocolError`](crate::Event::ProtocolError).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refused {
    /// The ack was refused.
    Ack(AckError),
    /// The RTM message was refused.
    Rtm(SendError),
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Ack(error) => fmt::Display::fmt(error, f),
            Refused::Rtm(error) => fmt::Display::fmt(error, f),
        }
    }
}

impl std::error::Error for Refused {}

/// Frames and bodies may hold anything the peer sent: `Debug` shows their sizes only.
impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::HttpResponse { request, response } => f
                .debug_struct("HttpResponse")
                .field("request", request)
                .field("response", response)
                .finish(),
            Input::HttpFailed { request, .. } => f
                .debug_struct("HttpFailed")
                .field("request", request)
                .finish_non_exhaustive(),
            Input::Connected(conn) => f.debug_tuple("Connected").field(conn).finish(),
            Input::ConnectFailed { conn, .. } => f
                .debug_struct("ConnectFailed")
                .field("conn", conn)
                .finish_non_exhaustive(),
            Input::Text { conn, frame } => f
                .debug_struct("Text")
                .field("conn", conn)
                .field("bytes", &frame.len())
                .finish(),
            Input::Binary { conn, frame } => f
                .debug_struct("Binary")
                .field("conn", conn)
                .field("bytes", &frame.len())
                .finish(),
            Input::Ping(conn) => f.debug_tuple("Ping").field(conn).finish(),
            Input::Pong { conn, payload } => f
                .debug_struct("Pong")
                .field("conn", conn)
                .field("bytes", &payload.len())
                .finish(),
            Input::Closed { conn, code, .. } => f
                .debug_struct("Closed")
                .field("conn", conn)
                .field("code", code)
                .finish_non_exhaustive(),
            Input::Timeout => f.write_str("Timeout"),
            Input::InputPaused(paused) => f.debug_tuple("InputPaused").field(paused).finish(),
            Input::Ack {
                envelope_id,
                payload,
            } => f
                .debug_struct("Ack")
                .field("envelope_id", &crate::secret::redact_tokens(envelope_id))
                .field("payload_bytes", &payload.as_ref().map(String::len))
                .finish(),
            Input::Rtm(message) => f
                .debug_tuple("Rtm")
                .field(&match message {
                    RtmMessage::Message { .. } => "message",
                    RtmMessage::Typing { .. } => "typing",
                    RtmMessage::Ping => "ping",
                    RtmMessage::Raw(_) => "raw",
                })
                .finish(),
            Input::Shutdown => f.write_str("Shutdown"),
        }
    }
}
