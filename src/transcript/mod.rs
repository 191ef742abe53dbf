//! Transcripts: a client session's traffic in both directions, as JSON lines, with every token
//! and WebSocket URL secret redacted; and replay of a transcript into a fresh
//! [`Session`](crate::Session) in virtual time.
//!
//! # Format
//!
//! The first line is the header: the format version and the session's configuration (no token).
//! Every other line is one [`Record`]: `t` (seconds since the start, microsecond precision),
//! `dir` and `kind`, and the fields of that kind:
//!
//! | `dir` | meaning | kinds |
//! |---|---|---|
//! | `out` | the session asked the driver to... | `http_request`, `connect`, `send_text`, `send_ping`, `close` |
//! | `in` | the network brought... | `http_response`, `http_failed`, `connected`, `connect_failed`, `text`, `binary`, `ping`, `pong`, `closed` |
//! | `app` | the application called... | `ack`, `send_rtm`, `send_typing`, `shutdown` |
//! | `event` | the session dispatched... | `event` (a one-line summary) |
//!
//! ```text
//! {"slackline_transcript":1,"config":{"mode":"socket_mode","connections":1,…}}
//! {"t":0.000000,"dir":"out","kind":"http_request","request":1,"method":"apps.connections.open","body":""}
//! {"t":0.002000,"dir":"in","kind":"http_response","request":1,"status":200,"body":"{\"ok\":true,\"url\":\"wss://wss-fake.slack.invalid/…\"}"}
//! {"t":0.002000,"dir":"out","kind":"connect","conn":1,"url":"wss://wss-fake.slack.invalid/…"}
//! {"t":0.006000,"dir":"in","kind":"text","conn":1,"text":"{\"type\":\"hello\",…}"}
//! {"t":0.106000,"dir":"out","kind":"send_text","conn":1,"text":"{\"envelope_id\":\"…\"}"}
//! {"t":0.106000,"dir":"event","kind":"event","summary":"envelope events_api … retry=0 acked"}
//! ```
//!
//! Tokens are replaced by `xoxb-<redacted>` and the like ([`redact_tokens`](crate::redact_tokens)),
//! `Authorization` headers are never written, and WebSocket URLs keep only their host
//! ([`redact_url`](crate::webapi::redact_url)), in `connect` records and inside bodies and frames.
//! [`Recorder`] does the redaction as it makes records, so a record never holds a secret.

mod config_snapshot;
mod line;
mod recorder;
mod redact;
mod replay;
mod summary;

use std::fmt;
use std::time::Duration;

pub use config_snapshot::{ConfigSnapshot, DedupeSnapshot};
pub use recorder::Recorder;
pub use redact::redact_text;
pub use replay::{replay, Divergence, Replay, ReplayError, ReplayOptions};
pub use summary::summarize;

/// The transcript format version this crate reads and writes.
pub const TRANSCRIPT_VERSION: u64 = 1;

/// A whole transcript: header and records, in time order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript {
    /// The first line.
    pub header: TranscriptHeader,
    /// Every other line.
    pub records: Vec<Record>,
}

impl Transcript {
    /// An empty transcript with this header.
    pub fn new(header: TranscriptHeader) -> Self {
        Transcript {
            header,
            records: Vec::new(),
        }
    }

    /// The transcript as JSON lines, ending with a newline.
    pub fn to_jsonl(&self) -> String {
        let mut out = self.header.to_line();
        out.push('\n');
        for record in &self.records {
            out.push_str(&record.to_line());
            out.push('\n');
        }
        out
    }

    /// Reads a transcript. Blank lines are skipped; errors name the line.
    pub fn parse(text: &str) -> Result<Transcript, TranscriptError> {
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim()))
            .filter(|(_, l)| !l.is_empty());
        let (n, first) = lines.next().ok_or(TranscriptError {
            line: None,
            message: "empty transcript: expected a header such as {\"slackline_transcript\":1,…}"
                .into(),
        })?;
        let header = TranscriptHeader::parse_line(first).map_err(|m| TranscriptError {
            line: Some(n),
            message: m,
        })?;
        let mut records = Vec::new();
        for (n, text) in lines {
            let record = Record::parse_line(text).map_err(|m| TranscriptError {
                line: Some(n),
                message: m,
            })?;
            records.push(record);
        }
        Ok(Transcript { header, records })
    }
}

/// The first line: format version, the session's configuration, a free note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptHeader {
    /// The configuration of the recorded session (everything but the token).
    pub config: ConfigSnapshot,
    /// Anything worth keeping (what was recorded, with which version).
    pub note: Option<String>,
}

/// Why a transcript could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptError {
    /// The line (1-based).
    pub line: Option<usize>,
    /// What was wrong and what was expected.
    pub message: String,
}

impl fmt::Display for TranscriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for TranscriptError {}

/// One line: when (since the start) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Time since the start of the recording (microsecond precision).
    pub at: Duration,
    /// What happened.
    pub entry: Entry,
}

/// Which way a record goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Direction {
    /// From the session to the network (its actions).
    Out,
    /// From the network to the session.
    In,
    /// From the application to the session.
    App,
    /// From the session to the application.
    Event,
}

impl Direction {
    /// The `dir` field's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Out => "out",
            Direction::In => "in",
            Direction::App => "app",
            Direction::Event => "event",
        }
    }
}

/// What a record holds. Texts and bodies are already redacted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Entry {
    /// out: a Web API request (the token is never recorded).
    HttpRequest {
        /// The session's request id.
        request: u64,
        /// The method.
        method: String,
        /// The body.
        body: String,
    },
    /// out: open a WebSocket (URL redacted to its host).
    Connect {
        /// The connection.
        conn: u32,
        /// The URL.
        url: String,
    },
    /// out: a text frame.
    SendText {
        /// The connection.
        conn: u32,
        /// The frame.
        text: String,
    },
    /// out: a WebSocket ping.
    SendPing {
        /// The connection.
        conn: u32,
        /// Its payload.
        payload: Vec<u8>,
    },
    /// out: close a connection.
    Close {
        /// The connection.
        conn: u32,
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// in: a Web API response.
    HttpResponse {
        /// The request it answers.
        request: u64,
        /// HTTP status.
        status: u16,
        /// `Retry-After`.
        retry_after: Option<Duration>,
        /// The body.
        body: String,
    },
    /// in: a request failed without a response.
    HttpFailed {
        /// The request.
        request: u64,
        /// The driver's description.
        detail: String,
    },
    /// in: a WebSocket opened.
    Connected {
        /// The connection.
        conn: u32,
    },
    /// in: a WebSocket could not be opened.
    ConnectFailed {
        /// The connection.
        conn: u32,
        /// The driver's description.
        detail: String,
    },
    /// in: a text frame.
    Text {
        /// The connection.
        conn: u32,
        /// The frame.
        text: String,
    },
    /// in: a binary frame.
    Binary {
        /// The connection.
        conn: u32,
        /// Its bytes.
        data: Vec<u8>,
    },
    /// in: a server ping.
    Ping {
        /// The connection.
        conn: u32,
    },
    /// in: a pong.
    Pong {
        /// The connection.
        conn: u32,
        /// Its payload.
        payload: Vec<u8>,
    },
    /// in: the connection closed.
    Closed {
        /// The connection.
        conn: u32,
        /// Close code, if a close frame came.
        code: Option<u16>,
        /// Close reason or error.
        reason: String,
    },
    /// app: `Session::ack` / `ack_with`.
    Ack {
        /// The envelope.
        envelope_id: String,
        /// The response payload's JSON text, if any.
        payload: Option<String>,
    },
    /// app: `Session::send_rtm` (and `send_message`, `send_ping`), the object without its `id`.
    SendRtm {
        /// The message's JSON text.
        message: String,
    },
    /// app: `Session::send_typing`.
    SendTyping {
        /// The channel.
        channel: String,
    },
    /// app: `Session::shutdown`.
    Shutdown,
    /// event: what the session dispatched, in one line ([`summarize`]).
    Event {
        /// The summary.
        summary: String,
    },
}

impl Entry {
    /// Which way it goes.
    pub fn direction(&self) -> Direction {
        match self {
            Entry::HttpRequest { .. }
            | Entry::Connect { .. }
            | Entry::SendText { .. }
            | Entry::SendPing { .. }
            | Entry::Close { .. } => Direction::Out,
            Entry::HttpResponse { .. }
            | Entry::HttpFailed { .. }
            | Entry::Connected { .. }
            | Entry::ConnectFailed { .. }
            | Entry::Text { .. }
            | Entry::Binary { .. }
            | Entry::Ping { .. }
            | Entry::Pong { .. }
            | Entry::Closed { .. } => Direction::In,
            Entry::Ack { .. }
            | Entry::SendRtm { .. }
            | Entry::SendTyping { .. }
            | Entry::Shutdown => Direction::App,
            Entry::Event { .. } => Direction::Event,
        }
    }

    /// The `kind` field's value.
    pub fn kind(&self) -> &'static str {
        match self {
            Entry::HttpRequest { .. } => "http_request",
            Entry::Connect { .. } => "connect",
            Entry::SendText { .. } => "send_text",
            Entry::SendPing { .. } => "send_ping",
            Entry::Close { .. } => "close",
            Entry::HttpResponse { .. } => "http_response",
            Entry::HttpFailed { .. } => "http_failed",
            Entry::Connected { .. } => "connected",
            Entry::ConnectFailed { .. } => "connect_failed",
            Entry::Text { .. } => "text",
            Entry::Binary { .. } => "binary",
            Entry::Ping { .. } => "ping",
            Entry::Pong { .. } => "pong",
            Entry::Closed { .. } => "closed",
            Entry::Ack { .. } => "ack",
            Entry::SendRtm { .. } => "send_rtm",
            Entry::SendTyping { .. } => "send_typing",
            Entry::Shutdown => "shutdown",
            Entry::Event { .. } => "event",
        }
    }
}

impl fmt::Display for Record {
    /// The record as its JSON line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}

#[cfg(test)]
mod tests;
