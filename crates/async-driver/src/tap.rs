//! Recording what the drive loop feeds the session and what the session asks for, as
//! transcript records (`slackline record`). The records are redacted as they are made
//! ([`Recorder`]), so a sink never sees a token.

use slackline::{Action, ConnId, Instant};
use slackline_transcript::{Record, Recorder, TranscriptHeader};

use crate::command::{Command, RtmMessage};
use crate::websocket::Inbound;

/// Where a recording goes: the header once, before anything else, then every record in the
/// order the session saw it. Called from the drive loop: keep it quick (buffer, or hand the
/// record to another thread).
pub trait TranscriptSink: Send + 'static {
    /// The transcript header (the session's configuration, without its token).
    fn header(&mut self, header: TranscriptHeader);
    /// One record.
    fn record(&mut self, record: Record);
}

/// The loop's recorder: a [`Recorder`] with the session's start as time zero, and the sink.
pub(crate) struct Tap {
    recorder: Recorder,
    sink: Box<dyn TranscriptSink>,
}

impl Tap {
    pub(crate) fn new(sink: Box<dyn TranscriptSink>) -> Self {
        Tap {
            recorder: Recorder::new(Instant::ZERO),
            sink,
        }
    }

    pub(crate) fn header(&mut self, header: TranscriptHeader) {
        self.sink.header(header);
    }

    pub(crate) fn action(&mut self, now: Instant, action: &Action) {
        self.sink.record(self.recorder.action(now, action));
    }

    pub(crate) fn input(&mut self, now: Instant, input: &Inbound) {
        let r = &self.recorder;
        let record = match input {
            Inbound::Http {
                id,
                result: Ok(response),
            } => r.http_response(now, *id, response),
            Inbound::Http {
                id,
                result: Err(failure),
            } => r.http_failed(now, *id, &failure.to_string()),
            Inbound::Connected(conn) => r.connected(now, *conn),
            Inbound::ConnectFailed(conn, detail) => r.connect_failed(now, *conn, detail),
            Inbound::Text(conn, text) => r.text(now, *conn, text),
            Inbound::Binary(conn, data) => r.binary(now, *conn, data),
            Inbound::Ping(conn) => r.ping(now, *conn),
            Inbound::Pong(conn, payload) => r.pong(now, *conn, payload),
            Inbound::Closed { conn, code, reason } => r.closed(now, *conn, *code, reason),
        };
        self.sink.record(record);
    }

    /// A connection the loop gave up on itself (its outbound queue was full).
    pub(crate) fn closed(&mut self, now: Instant, conn: ConnId, reason: &str) {
        self.sink
            .record(self.recorder.closed(now, conn, None, reason));
    }

    pub(crate) fn command(&mut self, now: Instant, command: &Command) {
        let r = &self.recorder;
        let record = match command {
            Command::Ack {
                envelope_id,
                payload,
                ..
            } => r.ack(now, envelope_id, payload.as_deref().map(|p| p.get())),
            Command::Rtm { message, .. } => match message {
                RtmMessage::Message { channel, text } => {
                    let message =
                        serde_json::json!({ "type": "message", "channel": channel, "text": text });
                    r.send_rtm(now, &message.to_string())
                }
                RtmMessage::Typing { channel } => r.send_typing(now, channel),
                RtmMessage::Ping => r.send_rtm(now, r#"{"type":"ping"}"#),
                RtmMessage::Raw(value) => r.send_rtm(now, &value.to_string()),
            },
            Command::Shutdown => r.shutdown(now),
        };
        self.sink.record(record);
    }
}
