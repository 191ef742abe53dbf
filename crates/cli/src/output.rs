//! `listen`'s stdout lines: one compact JSON object per event, written into a buffer by the
//! stdout thread (`stdout.rs`). Payloads are what Slack sent, compacted only when they hold
//! insignificant whitespace (`json.rs`); tokens are redacted from every line.

use std::io::Write as _;

use serde::Serialize;
use slackline::{redact_tokens, Envelope, Event, RtmEvent};

use crate::json::{self, Scan};

/// Appends `{"event":"envelope","type":…,"envelope_id":…,"retry_attempt":…,"payload":{…}}\n`.
pub fn envelope_into(out: &mut Vec<u8>, envelope: &Envelope) {
    let start = out.len();
    out.extend_from_slice(br#"{"event":"envelope","type":"#);
    string_into(out, envelope.kind().as_str());
    out.extend_from_slice(br#","envelope_id":"#);
    // The id's bytes, shared with the frame (decoded only if it had escapes).
    let id = envelope.envelope_id_bytes();
    string_into(out, std::str::from_utf8(&id).unwrap_or_default());
    let _ = write!(out, r#","retry_attempt":{}"#, envelope.retry_attempt());
    if let Some(reason) = envelope.retry_reason() {
        out.extend_from_slice(br#","retry_reason":"#);
        string_into(out, &reason);
    }
    if envelope.accepts_response_payload() {
        out.extend_from_slice(br#","accepts_response_payload":true"#);
    } else {
        out.extend_from_slice(br#","accepts_response_payload":false"#);
    }
    payload_into(out, envelope.payload_bytes());
    out.extend_from_slice(b"}\n");
    redact_line(out, start);
}

/// Appends `{"event":"rtm","type":"message","payload":{…the frame…}}\n`.
pub fn rtm_into(out: &mut Vec<u8>, event: &RtmEvent) {
    let start = out.len();
    out.extend_from_slice(br#"{"event":"rtm","type":"#);
    string_into(out, &event.kind());
    payload_into(out, Some(event.frame().as_bytes()));
    out.extend_from_slice(b"}\n");
    redact_line(out, start);
}

/// Lifecycle events worth a stdout line: `hello`, `disconnect`, `goodbye`; `None` for others.
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
    let mut line = to_line(&value);
    line.push('\n');
    Some(line)
}

/// `,"payload":…`: the JSON as sent, or compacted, or `null` with the reason when it is not
/// JSON at all (the envelope was still acked: its header could be read).
fn payload_into(out: &mut Vec<u8>, payload: Option<&[u8]>) {
    out.extend_from_slice(br#","payload":"#);
    let Some(payload) = payload else {
        out.extend_from_slice(b"null");
        return;
    };
    // Validated here, UTF-8 included.
    match json::compact_into(out, payload) {
        Scan::Compact | Scan::Spaced => {}
        Scan::Invalid => {
            let error = serde_json::from_slice::<serde::de::IgnoredAny>(payload)
                .err()
                .map_or_else(|| "not one JSON value".to_owned(), |e| e.to_string());
            out.extend_from_slice(br#"null,"payload_error":"#);
            string_into(out, &format!("the payload is not valid JSON: {error}"));
        }
    }
}

/// A JSON string.
fn string_into(out: &mut Vec<u8>, text: &str) {
    let plain = text
        .bytes()
        .all(|b| b >= 0x20 && b != b'"' && b != b'\\' && b != 0x7f);
    if plain {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// Tokens are redacted from the line just written (from `start`); a line without one (the
/// usual case) is left where it is.
fn redact_line(out: &mut Vec<u8>, start: usize) {
    let bytes = &out[start..];
    let prefix = |i: usize| {
        matches!(
            bytes.get(i + 1..i + 5),
            Some(b"app-" | b"oxb-" | b"oxp-" | b"oxa-" | b"oxr-" | b"oxs-" | b"oxe-" | b"wfp-")
        )
    };
    if !memchr::memchr_iter(b'x', bytes).any(prefix) {
        return;
    }
    let Ok(line) = std::str::from_utf8(bytes) else {
        return;
    };
    if let std::borrow::Cow::Owned(redacted) = redact_tokens(line) {
        out.truncate(start);
        out.extend_from_slice(redacted.as_bytes());
    }
}

fn to_line<T: Serialize>(value: &T) -> String {
    let line = serde_json::to_string(value).unwrap_or_else(|e| {
        serde_json::json!({ "event": "error", "detail": e.to_string() }).to_string()
    });
    redact_tokens(&line).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_only_when_needed() {
        let mut out = Vec::new();
        string_into(&mut out, "plain id");
        string_into(&mut out, "q\"uote\n");
        assert_eq!(String::from_utf8(out).unwrap(), r#""plain id""q\"uote\n""#);
    }

    #[test]
    fn a_payload_that_is_not_json_still_makes_a_json_line() {
        let mut out = br#"{"event":"envelope""#.to_vec();
        payload_into(&mut out, Some(br#"{"a":tru}"#));
        out.push(b'}');
        let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert!(line["payload"].is_null());
        assert!(line["payload_error"]
            .as_str()
            .unwrap()
            .contains("not valid JSON"));
    }

    #[test]
    fn tokens_are_redacted_from_lines() {
        let mut out = b"{\"x\":1}\n".to_vec();
        let start = out.len();
        out.extend_from_slice(b"{\"t\":\"xoxb-1-secret\xc3\xa9tail\"}\n");
        redact_line(&mut out, start);
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains("secret") && !text.contains("tail"), "{text}");
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }
}
