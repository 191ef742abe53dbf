//! Transcripts: a client session's traffic in both directions, as JSON lines, with every token
//! and WebSocket URL secret redacted; and replay of a transcript into a fresh
//! [`Session`](slackline::Session) in virtual time.
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
//! {"slackline_transcript":2,"token_kind":"app","config":{"mode":"socket_mode","api_url":"https://slack.com/api/",…}}
//! {"t":0.000000,"dir":"out","kind":"http_request","request":1,"method":"apps.connections.open","body":""}
//! {"t":0.002000,"dir":"in","kind":"http_response","request":1,"status":200,"body":"{\"ok\":true,\"url\":\"wss://wss-fake.slack.invalid/…\"}"}
//! {"t":0.002000,"dir":"out","kind":"connect","conn":1,"url":"wss://wss-fake.slack.invalid/…"}
//! {"t":0.006000,"dir":"in","kind":"text","conn":1,"text":"{\"type\":\"hello\",…}"}
//! {"t":0.106000,"dir":"out","kind":"send_text","conn":1,"text":"{\"envelope_id\":\"…\"}"}
//! {"t":0.106000,"dir":"event","kind":"event","summary":"envelope events_api … retry=0 acked"}
//! ```
//!
//! Tokens are replaced by `xoxb-<redacted>` and the like ([`redact_tokens`](slackline::redact_tokens)),
//! `Authorization` headers are never written, and WebSocket URLs keep only their host
//! ([`redact_url`](slackline::redact_url)), in `connect` records and inside bodies and frames.
//! [`Recorder`] does the redaction as it makes records, so a record never holds a secret.

#![warn(missing_docs, unreachable_pub)]

mod line;
mod object_writer;
mod recorder;
mod redact;
mod replay;
mod summary;

use std::fmt;
use std::time::Duration;

use slackline::{Config, Input, RtmMessage};

pub use recorder::Recorder;
pub use redact::redact_text;
pub use replay::{compare_records, replay, Divergence, Replay, ReplayError, ReplayOptions};
pub use summary::summarize;

/// The transcript format version this crate reads and writes.
pub const TRANSCRIPT_VERSION: u64 = 2;

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
    /// The configuration of the recorded session. A transcript never holds a token: read back,
    /// the token is a placeholder of the recorded kind (`xapp-replay`, `xoxb-replay`,
    /// `xoxp-replay`), enough for a replay, which talks to no one.
    pub config: Config,
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
    /// in / app: an input fed to the session, as recorded ([`Recorder::input`] redacts it).
    Input(Input),
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
            Entry::Input(Input::Ack { .. } | Input::Rtm(_) | Input::Shutdown) => Direction::App,
            Entry::Input(_) => Direction::In,
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
            Entry::Input(input) => match input {
                Input::HttpResponse { .. } => "http_response",
                Input::HttpFailed { .. } => "http_failed",
                Input::Connected(_) => "connected",
                Input::ConnectFailed { .. } => "connect_failed",
                Input::Text { .. } => "text",
                Input::Binary { .. } => "binary",
                Input::Ping(_) => "ping",
                Input::Pong { .. } => "pong",
                Input::Closed { .. } => "closed",
                Input::Timeout => "timeout",
                Input::InputPaused(_) => "input_paused",
                Input::Ack { .. } => "ack",
                Input::Rtm(RtmMessage::Typing { .. }) => "send_typing",
                Input::Rtm(_) => "send_rtm",
                Input::Shutdown => "shutdown",
                _ => "input",
            },
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
