//! Makes redacted [`Record`]s from what a driver sees: the session's actions, the inputs it
//! feeds, the application's calls.

use std::time::Duration;

use super::{redact_text, summarize, ConfigSnapshot, Entry, Record, TranscriptHeader};
use crate::action::Action;
use crate::config::Config;
use crate::ids::{ConnId, RequestId};
use crate::secret::redact_tokens;
use crate::time::Instant;
use crate::webapi::{redact_url, HttpResponse};

/// Turns a session's traffic into records, times relative to `start`. Record every input just
/// before feeding it and every action as it is polled (dispatches included), so the order in
/// the transcript is the order the session saw.
///
/// ```
/// use slackline::transcript::{Recorder, Transcript};
/// use slackline::{Config, Instant, Session};
///
/// let config = Config::socket_mode("xapp-1-A1-1-secret");
/// let recorder = Recorder::new(Instant::ZERO);
/// let mut transcript = Transcript::new(Recorder::header(&config, None));
/// let mut session = Session::new(config, Instant::ZERO).unwrap();
/// while let Some(action) = session.poll_action() {
///     transcript.records.push(recorder.action(Instant::ZERO, &action));
/// }
/// let text = transcript.to_jsonl();
/// assert!(text.contains(r#""kind":"http_request","request":1,"method":"apps.connections.open""#));
/// assert!(!text.contains("secret"));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Recorder {
    start: Instant,
}

impl Recorder {
    /// Records with times relative to `start`.
    pub fn new(start: Instant) -> Self {
        Recorder { start }
    }

    /// The transcript header for a session with `config` (its token is left out).
    pub fn header(config: &Config, note: Option<String>) -> TranscriptHeader {
        TranscriptHeader {
            config: ConfigSnapshot::of(config),
            note: note.map(|n| redact_tokens(&n).into_owned()),
        }
    }

    fn record(&self, now: Instant, entry: Entry) -> Record {
        let at = now.saturating_duration_since(self.start);
        // Transcripts keep microseconds; truncating here keeps records equal to what is read back.
        let at = Duration::from_micros(u64::try_from(at.as_micros()).unwrap_or(u64::MAX));
        Record { at, entry }
    }

    /// An action the session asked for (or, for `Dispatch`, an event summary).
    pub fn action(&self, now: Instant, action: &Action) -> Record {
        let entry = match action {
            Action::Http(request) => Entry::HttpRequest {
                request: request.id().get(),
                method: request.method().to_owned(),
                body: redact_text(request.body()).into_owned(),
            },
            Action::Connect { conn, url } => Entry::Connect {
                conn: conn.get(),
                url: redact_tokens(&redact_url(url)).into_owned(),
            },
            Action::SendText { conn, text } => Entry::SendText {
                conn: conn.get(),
                text: redact_text(text).into_owned(),
            },
            Action::SendPing { conn, payload } => Entry::SendPing {
                conn: conn.get(),
                payload: payload.to_vec(),
            },
            Action::Close { conn, code, reason } => Entry::Close {
                conn: conn.get(),
                code: *code,
                reason: redact_tokens(reason).into_owned(),
            },
            Action::Dispatch(event) => Entry::Event {
                summary: summarize(event),
            },
        };
        self.record(now, entry)
    }

    /// `handle_http_response`.
    pub fn http_response(
        &self,
        now: Instant,
        request: RequestId,
        response: &HttpResponse,
    ) -> Record {
        let body = String::from_utf8_lossy(&response.body);
        self.record(
            now,
            Entry::HttpResponse {
                request: request.get(),
                status: response.status,
                retry_after: response.retry_after,
                body: redact_text(&body).into_owned(),
            },
        )
    }

    /// `handle_http_failed`.
    pub fn http_failed(&self, now: Instant, request: RequestId, detail: &str) -> Record {
        self.record(
            now,
            Entry::HttpFailed {
                request: request.get(),
                detail: redact_text(detail).into_owned(),
            },
        )
    }

    /// `handle_connected`.
    pub fn connected(&self, now: Instant, conn: ConnId) -> Record {
        self.record(now, Entry::Connected { conn: conn.get() })
    }

    /// `handle_connect_failed`.
    pub fn connect_failed(&self, now: Instant, conn: ConnId, detail: &str) -> Record {
        self.record(
            now,
            Entry::ConnectFailed {
                conn: conn.get(),
                detail: redact_text(detail).into_owned(),
            },
        )
    }

    /// `handle_text` (a frame that is not UTF-8 is recorded with replacement characters).
    pub fn text(&self, now: Instant, conn: ConnId, frame: &[u8]) -> Record {
        let text = String::from_utf8_lossy(frame);
        self.record(
            now,
            Entry::Text {
                conn: conn.get(),
                text: redact_text(&text).into_owned(),
            },
        )
    }

    /// `handle_binary` (kept as bytes: Slack never sends binary frames, so there is nothing of
    /// Slack's to redact).
    pub fn binary(&self, now: Instant, conn: ConnId, data: &[u8]) -> Record {
        self.record(
            now,
            Entry::Binary {
                conn: conn.get(),
                data: data.to_vec(),
            },
        )
    }

    /// `handle_ping`.
    pub fn ping(&self, now: Instant, conn: ConnId) -> Record {
        self.record(now, Entry::Ping { conn: conn.get() })
    }

    /// `handle_pong`.
    pub fn pong(&self, now: Instant, conn: ConnId, payload: &[u8]) -> Record {
        self.record(
            now,
            Entry::Pong {
                conn: conn.get(),
                payload: payload.to_vec(),
            },
        )
    }

    /// `handle_closed`.
    pub fn closed(&self, now: Instant, conn: ConnId, code: Option<u16>, reason: &str) -> Record {
        self.record(
            now,
            Entry::Closed {
                conn: conn.get(),
                code,
                reason: redact_text(reason).into_owned(),
            },
        )
    }

    /// The application's `ack` (payload: `None`) or `ack_with` (the payload's JSON text).
    pub fn ack(&self, now: Instant, envelope_id: &str, payload: Option<&str>) -> Record {
        self.record(
            now,
            Entry::Ack {
                envelope_id: envelope_id.to_owned(),
                payload: payload.map(|p| redact_text(p).into_owned()),
            },
        )
    }

    /// The application's `send_rtm` / `send_message` / `send_ping`: the message object's JSON
    /// text, without the `id` the session adds.
    pub fn send_rtm(&self, now: Instant, message: &str) -> Record {
        self.record(
            now,
            Entry::SendRtm {
                message: redact_text(message).into_owned(),
            },
        )
    }

    /// The application's `send_typing`.
    pub fn send_typing(&self, now: Instant, channel: &str) -> Record {
        self.record(
            now,
            Entry::SendTyping {
                channel: channel.to_owned(),
            },
        )
    }

    /// The application's `shutdown`.
    pub fn shutdown(&self, now: Instant) -> Record {
        self.record(now, Entry::Shutdown)
    }
}
