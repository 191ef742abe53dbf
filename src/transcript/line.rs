//! Records and the header as single JSON lines: written field by field in a fixed, readable
//! order, read back with errors that name the field.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::value::RawValue;

use super::{ConfigSnapshot, Entry, Record, TranscriptHeader, TRANSCRIPT_VERSION};
use crate::json_object::ObjectWriter as LineWriter;

/// Seconds with microsecond precision: `12.345678`.
pub(crate) fn seconds(d: Duration) -> String {
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

/// Reads [`seconds`] exactly (up to nanoseconds), and any other non-negative JSON number.
pub(crate) fn parse_seconds(text: &str) -> Result<Duration, String> {
    let bad = || format!("expected a non-negative number of seconds, found {text}");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(whole) && (frac.is_empty() || (digits(frac) && frac.len() <= 9)) {
        let secs: u64 = whole.parse().map_err(|_| bad())?;
        let nanos: u32 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<9}").parse().map_err(|_| bad())?
        };
        return Ok(Duration::new(secs, nanos));
    }
    let value: f64 = text.parse().map_err(|_| bad())?;
    if !value.is_finite() || !(0.0..=1e12).contains(&value) {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(value))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Result<Vec<u8>, String> {
    if text.len() % 2 != 0 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("expected hex bytes, found {text:?}"));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

impl Record {
    /// The record as one JSON line (no newline).
    pub fn to_line(&self) -> String {
        let mut w = LineWriter::new();
        w.raw("t", &seconds(self.at))
            .str("dir", self.entry.direction().as_str())
            .str("kind", self.entry.kind());
        match &self.entry {
            Entry::HttpRequest {
                request,
                method,
                body,
            } => w
                .num("request", request)
                .str("method", method)
                .str("body", body),
            Entry::Connect { conn, url } => w.num("conn", conn).str("url", url),
            Entry::SendText { conn, text } | Entry::Text { conn, text } => {
                w.num("conn", conn).str("text", text)
            }
            Entry::SendPing { conn, payload } | Entry::Pong { conn, payload } => {
                w.num("conn", conn).str("payload", &hex(payload))
            }
            Entry::Close { conn, code, reason } => {
                w.num("conn", conn).num("code", code).str("reason", reason)
            }
            Entry::HttpResponse {
                request,
                status,
                retry_after,
                body,
            } => {
                w.num("request", request).num("status", status);
                if let Some(d) = retry_after {
                    w.raw("retry_after", &seconds(*d));
                }
                w.str("body", body)
            }
            Entry::HttpFailed { request, detail } => {
                w.num("request", request).str("detail", detail)
            }
            Entry::Connected { conn } | Entry::Ping { conn } => w.num("conn", conn),
            Entry::ConnectFailed { conn, detail } => w.num("conn", conn).str("detail", detail),
            Entry::Binary { conn, data } => w.num("conn", conn).str("data", &hex(data)),
            Entry::Closed { conn, code, reason } => {
                w.num("conn", conn);
                match code {
                    Some(code) => w.num("code", code),
                    None => w.raw("code", "null"),
                };
                w.str("reason", reason)
            }
            Entry::Ack {
                envelope_id,
                payload,
            } => {
                w.str("envelope_id", envelope_id);
                match payload {
                    Some(p) if is_json(p) => w.raw("payload", p),
                    Some(p) => w.str("payload_text", p),
                    None => &mut w,
                }
            }
            Entry::SendRtm { message } if is_json(message) => w.raw("message", message),
            Entry::SendRtm { message } => w.str("message_text", message),
            Entry::SendTyping { channel } => w.str("channel", channel),
            Entry::Shutdown => &mut w,
            Entry::Event { summary } => w.str("summary", summary),
        };
        w.finish()
    }

    /// Reads one record line.
    pub fn parse_line(text: &str) -> Result<Record, String> {
        let fields: BTreeMap<String, Box<RawValue>> = serde_json::from_str(text)
            .map_err(|e| format!("expected a record, a JSON object on one line: {e}"))?;
        let f = Fields(&fields);
        let at = parse_seconds(f.raw("t")?.get()).map_err(|e| format!("`t`: {e}"))?;
        let kind = f.string("kind")?;
        let conn = || f.u32("conn");
        let entry = match kind.as_str() {
            "http_request" => Entry::HttpRequest {
                request: f.u64("request")?,
                method: f.string("method")?,
                body: f.string("body")?,
            },
            "connect" => Entry::Connect {
                conn: conn()?,
                url: f.string("url")?,
            },
            "send_text" => Entry::SendText {
                conn: conn()?,
                text: f.string("text")?,
            },
            "send_ping" => Entry::SendPing {
                conn: conn()?,
                payload: unhex(&f.string("payload")?)?,
            },
            "close" => Entry::Close {
                conn: conn()?,
                code: f.u16("code")?,
                reason: f.string("reason")?,
            },
            "http_response" => Entry::HttpResponse {
                request: f.u64("request")?,
                status: f.u16("status")?,
                retry_after: match f.0.get("retry_after") {
                    Some(raw) if raw.get() != "null" => {
                        Some(parse_seconds(raw.get()).map_err(|e| format!("`retry_after`: {e}"))?)
                    }
                    _ => None,
                },
                body: f.string("body")?,
            },
            "http_failed" => Entry::HttpFailed {
                request: f.u64("request")?,
                detail: f.string("detail")?,
            },
            "connected" => Entry::Connected { conn: conn()? },
            "connect_failed" => Entry::ConnectFailed {
                conn: conn()?,
                detail: f.string("detail")?,
            },
            "text" => Entry::Text {
                conn: conn()?,
                text: f.string("text")?,
            },
            "binary" => Entry::Binary {
                conn: conn()?,
                data: unhex(&f.string("data")?)?,
            },
            "ping" => Entry::Ping { conn: conn()? },
            "pong" => Entry::Pong {
                conn: conn()?,
                payload: unhex(&f.string("payload")?)?,
            },
            "closed" => Entry::Closed {
                conn: conn()?,
                code: match f.raw("code")?.get() {
                    "null" => None,
                    _ => Some(f.u16("code")?),
                },
                reason: f.string("reason")?,
            },
            "ack" => Entry::Ack {
                envelope_id: f.string("envelope_id")?,
                payload: match (fields.get("payload"), fields.get("payload_text")) {
                    (Some(raw), _) => Some(raw.get().to_owned()),
                    (None, Some(_)) => Some(f.string("payload_text")?),
                    (None, None) => None,
                },
            },
            "send_rtm" => Entry::SendRtm {
                message: match fields.get("message") {
                    Some(raw) => raw.get().to_owned(),
                    None => f.string("message_text")?,
                },
            },
            "send_typing" => Entry::SendTyping {
                channel: f.string("channel")?,
            },
            "shutdown" => Entry::Shutdown,
            "event" => Entry::Event {
                summary: f.string("summary")?,
            },
            other => return Err(format!("unknown record kind {other:?}")),
        };
        if let Some(dir) = fields.get("dir") {
            let expected = entry.direction().as_str();
            if serde_json::from_str::<String>(dir.get()).ok().as_deref() != Some(expected) {
                return Err(format!(
                    "`dir` of a `{kind}` record must be \"{expected}\", found {}",
                    dir.get()
                ));
            }
        }
        Ok(Record { at, entry })
    }
}

fn is_json(text: &str) -> bool {
    serde_json::from_str::<&RawValue>(text).is_ok()
}

struct Fields<'a>(&'a BTreeMap<String, Box<RawValue>>);

impl Fields<'_> {
    fn raw(&self, name: &str) -> Result<&RawValue, String> {
        self.0
            .get(name)
            .map(|b| &**b)
            .ok_or_else(|| format!("missing field `{name}`"))
    }

    fn string(&self, name: &str) -> Result<String, String> {
        let raw = self.raw(name)?;
        serde_json::from_str(raw.get())
            .map_err(|_| format!("`{name}` must be a string, found {}", raw.get()))
    }

    fn u64(&self, name: &str) -> Result<u64, String> {
        let raw = self.raw(name)?;
        serde_json::from_str(raw.get()).map_err(|_| {
            format!(
                "`{name}` must be a non-negative integer, found {}",
                raw.get()
            )
        })
    }

    fn u32(&self, name: &str) -> Result<u32, String> {
        u32::try_from(self.u64(name)?).map_err(|_| format!("`{name}` is too large"))
    }

    fn u16(&self, name: &str) -> Result<u16, String> {
        u16::try_from(self.u64(name)?).map_err(|_| format!("`{name}` is too large"))
    }
}

impl TranscriptHeader {
    /// The header as one JSON line.
    pub fn to_line(&self) -> String {
        let config = serde_json::to_string(&self.config).unwrap_or_else(|_| "{}".into());
        let mut w = LineWriter::new();
        w.num("slackline_transcript", TRANSCRIPT_VERSION)
            .raw("config", &config);
        if let Some(note) = &self.note {
            w.str("note", note);
        }
        w.finish()
    }

    /// Reads the header line.
    pub fn parse_line(text: &str) -> Result<TranscriptHeader, String> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Line {
            slackline_transcript: Option<u64>,
            config: Option<Box<RawValue>>,
            note: Option<String>,
        }
        let line: Line = serde_json::from_str(text).map_err(|e| {
            format!("expected the header, a JSON object with \"slackline_transcript\":{TRANSCRIPT_VERSION}: {e}")
        })?;
        match line.slackline_transcript {
            Some(TRANSCRIPT_VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "unsupported transcript version {v} (this slackline reads version {TRANSCRIPT_VERSION})"
                ))
            }
            None => {
                return Err(format!(
                    "the first line must be the header, with \"slackline_transcript\":{TRANSCRIPT_VERSION}"
                ))
            }
        }
        let config = line
            .config
            .ok_or("the header needs the session's `config`")?;
        let config: ConfigSnapshot = serde_json::from_str(config.get())
            .map_err(|e| format!("the header's `config` is not a session configuration: {e}"))?;
        Ok(TranscriptHeader {
            config,
            note: line.note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_trip_exactly() {
        let d = Duration::new(12, 345_678_000);
        assert_eq!(seconds(d), "12.345678");
        assert_eq!(parse_seconds("12.345678"), Ok(d));
        assert_eq!(parse_seconds("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_seconds("0.000000001"), Ok(Duration::from_nanos(1)));
        assert_eq!(parse_seconds("1e1"), Ok(Duration::from_secs(10)));
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("abc").is_err());
        assert_eq!(unhex("00ff"), Ok(vec![0, 255]));
        assert!(unhex("0").is_err());
        assert!(unhex("zz").is_err());
    }
}
