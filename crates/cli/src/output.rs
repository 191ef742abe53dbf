//! `listen`'s stdout: one JSON object per line per event, written whole (one locked write), so
//! lines from different tasks never interleave. Tokens are redacted from every line.

use std::io::Write;

use serde::Serialize;
use serde_json::value::RawValue;
use slackline::{redact_tokens, Envelope, Event, RtmEvent};

#[derive(Serialize)]
struct EnvelopeLine<'a> {
    event: &'static str,
    #[serde(rename = "type")]
    kind: &'a str,
    envelope_id: &'a str,
    retry_attempt: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_reason: Option<&'a str>,
    accepts_response_payload: bool,
    payload: Option<&'a RawValue>,
}

/// `{"event":"envelope","type":…,"envelope_id":…,"retry_attempt":…,"payload":{…}}`
pub fn envelope(envelope: &Envelope) -> String {
    let payload = envelope
        .payload_json()
        .and_then(|p| serde_json::from_str::<&RawValue>(p).ok());
    let id = envelope.envelope_id();
    let reason = envelope.retry_reason();
    to_line(&EnvelopeLine {
        event: "envelope",
        kind: envelope.kind().as_str(),
        envelope_id: &id,
        retry_attempt: envelope.retry_attempt(),
        retry_reason: reason.as_deref(),
        accepts_response_payload: envelope.accepts_response_payload(),
        payload,
    })
}

#[derive(Serialize)]
struct RtmLine<'a> {
    event: &'static str,
    #[serde(rename = "type")]
    kind: &'a str,
    payload: Option<&'a RawValue>,
}

/// `{"event":"rtm","type":"message","payload":{…the frame…}}`
pub fn rtm(event: &RtmEvent) -> String {
    let kind = event.kind();
    to_line(&RtmLine {
        event: "rtm",
        kind: &kind,
        payload: serde_json::from_str::<&RawValue>(event.frame()).ok(),
    })
}

/// Lifecycle events worth a line: `hello`, `disconnect`, `goodbye`; `None` for the others.
pub fn lifecycle(event: &Event) -> Option<String> {
    let value = match event {
        Event::Hello(hello) => serde_json::json!({
            "event": "hello",
            "connection": hello.conn.get(),
            "num_connections": hello.num_connections,
            "approximate_connection_time": hello.approximate_connection_time.map(|d| d.as_secs()),
        }),
        Event::Disconnect { conn, reason } => serde_json::json!({
            "event": "disconnect",
            "connection": conn.get(),
            "reason": reason.as_str(),
        }),
        Event::Goodbye { conn } => serde_json::json!({
            "event": "goodbye",
            "connection": conn.get(),
        }),
        _ => return None,
    };
    Some(to_line(&value))
}

fn to_line<T: Serialize>(value: &T) -> String {
    let line = serde_json::to_string(value).unwrap_or_else(|e| {
        serde_json::json!({ "event": "error", "detail": e.to_string() }).to_string()
    });
    redact_tokens(&line).into_owned()
}

/// Writes one line to stdout in one go. A closed stdout (`| head`) is not an error worth
/// stopping the client for.
pub fn print(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.write_all(b"\n");
    let _ = out.flush();
}
