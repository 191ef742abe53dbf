//! Makes redacted [`Record`]s from what a driver sees: the session's actions, the inputs it
//! feeds, the application's calls.

use std::time::Duration;

use bytes::Bytes;
use slackline::redact_url;
use slackline::{
    redact_tokens, Action, Config, HttpResponse, Input, Instant, Mode, RtmMessage, TokenKind,
};

use super::redact::redact_frame;
use super::{redact_text, summarize, Entry, Record, TranscriptHeader};

/// Turns a session's traffic into records, times relative to `start`. Record every input just
/// before feeding it and every action as it is polled (dispatches included), so the order in
/// the transcript is the order the session saw.
///
/// ```
/// use slackline_transcript::{Recorder, Transcript};
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
            config: config.clone().with_token(placeholder_token(config)),
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
            // An action newer than this crate: its `Debug` form, which redacts like the rest.
            other => Entry::Event {
                summary: redact_tokens(&format!("{other:?}")).into_owned(),
            },
        };
        self.record(now, entry)
    }

    /// An input the driver is about to feed the session, redacted: texts, bodies and reasons
    /// lose their tokens and WebSocket URL secrets; an RTM message is kept as the object the
    /// session sends (without its `id`), since that is what a replay needs.
    pub fn input(&self, now: Instant, input: &Input) -> Record {
        self.record(now, Entry::Input(redact_input(input)))
    }
}

fn redact_string(text: &str) -> String {
    redact_text(text).into_owned()
}

fn redact_input(input: &Input) -> Input {
    match input {
        Input::HttpResponse { request, response } => {
            let body = String::from_utf8_lossy(&response.body);
            let mut redacted = HttpResponse::new(response.status, redact_string(&body));
            redacted.retry_after = response.retry_after;
            Input::HttpResponse {
                request: *request,
                response: redacted,
            }
        }
        Input::HttpFailed { request, detail } => Input::HttpFailed {
            request: *request,
            detail: redact_string(detail),
        },
        Input::ConnectFailed { conn, detail } => Input::ConnectFailed {
            conn: *conn,
            detail: redact_string(detail),
        },
        // A frame that is not UTF-8 is recorded with replacement characters.
        Input::Text { conn, frame } => Input::Text {
            conn: *conn,
            frame: Bytes::from(redact_frame(&String::from_utf8_lossy(frame)).into_owned()),
        },
        Input::Closed { conn, code, reason } => Input::Closed {
            conn: *conn,
            code: *code,
            reason: redact_string(reason),
        },
        Input::Ack {
            envelope_id,
            payload,
        } => Input::Ack {
            envelope_id: envelope_id.clone(),
            payload: payload.as_deref().map(redact_string),
        },
        Input::Rtm(message) => Input::Rtm(redact_rtm(message)),
        // Binary frames are kept as bytes: Slack never sends them, so there is nothing of
        // Slack's to redact; the rest carry no text.
        other => other.clone(),
    }
}

fn redact_rtm(message: &RtmMessage) -> RtmMessage {
    let object = match message {
        RtmMessage::Typing { channel } => {
            return RtmMessage::Typing {
                channel: channel.clone(),
            }
        }
        RtmMessage::Message { channel, text } => {
            serde_json::json!({ "type": "message", "channel": channel, "text": text })
        }
        RtmMessage::Ping => serde_json::json!({ "type": "ping" }),
        RtmMessage::Raw(value) => value.clone(),
        other => return other.clone(),
    };
    let text = redact_string(&object.to_string());
    RtmMessage::Raw(serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
}

/// What a transcript keeps of the token: a placeholder of its kind that a replay can run with.
fn placeholder_token(config: &Config) -> &'static str {
    placeholder_for(config.mode(), config.token().kind())
}

pub(crate) fn placeholder_for(mode: &Mode, kind: TokenKind) -> &'static str {
    match (mode, kind) {
        (Mode::SocketMode, _) => "xapp-replay",
        (_, TokenKind::User) => "xoxp-replay",
        _ => "xoxb-replay",
    }
}
