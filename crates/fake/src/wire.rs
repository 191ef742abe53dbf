//! What crosses the wire between a client and the fake: Web API calls and their answers,
//! refused handshakes, and the outputs a network wrapper carries out.

use std::fmt;
use std::time::Duration;

use super::ids::{CallId, SocketId};

/// A Web API call as the fake sees it.
#[derive(Clone, Copy)]
pub struct ApiRequest<'a> {
    /// The method, e.g. `apps.connections.open` (the part of the path after `/api/`).
    pub method: &'a str,
    /// The `Authorization` header's value, if any.
    pub authorization: Option<&'a str>,
    /// The `Content-Type` header's value, if any.
    pub content_type: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

impl fmt::Debug for ApiRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("authorization", &self.authorization.map(|_| "<redacted>"))
            .field("content_type", &self.content_type)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// The method name in a Web API path: `/api/rtm.connect?x=1` gives `rtm.connect`.
pub fn method_from_path(path: &str) -> &str {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path.trim_end_matches('/');
    path.rsplit('/').next().unwrap_or_default()
}

/// The fake's answer to a Web API call.
#[derive(Clone, PartialEq, Eq)]
pub struct FakeResponse {
    /// HTTP status.
    pub status: u16,
    /// `Retry-After`, in whole seconds on the wire.
    pub retry_after: Option<Duration>,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: String,
}

impl FakeResponse {
    /// The same response as the client side's [`HttpResponse`](slackline::HttpResponse).
    pub fn to_http_response(&self) -> slackline::HttpResponse {
        slackline::HttpResponse {
            status: self.status,
            retry_after: self.retry_after,
            body: bytes::Bytes::from(self.body.clone()),
        }
    }

    /// The `Retry-After` header's value, if any.
    pub fn retry_after_header(&self) -> Option<String> {
        self.retry_after.map(|d| d.as_secs().max(1).to_string())
    }
}

impl fmt::Debug for FakeResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeResponse")
            .field("status", &self.status)
            .field("retry_after", &self.retry_after)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// A WebSocket handshake the fake refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectRejected {
    /// The HTTP status to answer the upgrade request with.
    pub status: u16,
    /// Why.
    pub reason: String,
}

impl fmt::Display for ConnectRejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}: {}", self.status, self.reason)
    }
}

impl std::error::Error for ConnectRejected {}

/// Something for the wrapper to do. Drain with [`FakeSlack::poll_output`](super::FakeSlack::poll_output).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// Answer a Web API call.
    HttpResponse {
        /// Which call.
        call: CallId,
        /// The answer.
        response: FakeResponse,
    },
    /// Send a text frame.
    SendText {
        /// Where.
        socket: SocketId,
        /// The frame.
        text: String,
    },
    /// Send a WebSocket ping.
    SendPing {
        /// Where.
        socket: SocketId,
        /// Its payload.
        payload: Vec<u8>,
    },
    /// Answer a client ping.
    SendPong {
        /// Where.
        socket: SocketId,
        /// The ping's payload.
        payload: Vec<u8>,
    },
    /// Close the socket with this code.
    Close {
        /// Which.
        socket: SocketId,
        /// WebSocket close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// Make the socket half-open: stop reading it and answering on it, without closing it.
    GoSilent {
        /// Which.
        socket: SocketId,
    },
    /// The script is over and the verdict final.
    Finished,
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Output::HttpResponse { call, response } => f
                .debug_struct("HttpResponse")
                .field("call", call)
                .field("response", response)
                .finish(),
            Output::SendText { socket, text } => f
                .debug_struct("SendText")
                .field("socket", socket)
                .field("bytes", &text.len())
                .finish(),
            Output::SendPing { socket, payload } => f
                .debug_struct("SendPing")
                .field("socket", socket)
                .field("payload", payload)
                .finish(),
            Output::SendPong { socket, payload } => f
                .debug_struct("SendPong")
                .field("socket", socket)
                .field("payload", payload)
                .finish(),
            Output::Close {
                socket,
                code,
                reason,
            } => f
                .debug_struct("Close")
                .field("socket", socket)
                .field("code", code)
                .field("reason", reason)
                .finish(),
            Output::GoSilent { socket } => {
                f.debug_struct("GoSilent").field("socket", socket).finish()
            }
            Output::Finished => f.write_str("Finished"),
        }
    }
}
