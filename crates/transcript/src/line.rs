//! Records and the header as single JSON lines: written field by field in a fixed, readable
//! order, read back with errors that name the field.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::value::RawValue;

use slackline::{Config, ConnId, HttpResponse, Input, RequestId, RtmMessage, TokenKind};

use super::recorder::placeholder_for;
use super::{Entry, Record, TranscriptHeader, TRANSCRIPT_VERSION};
use crate::object_writer::ObjectWriter as LineWriter;

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
            Entry::SendText { conn, text } => w.num("conn", conn).str("text", text),
            Entry::SendPing { conn, payload } => w.num("conn", conn).str("payload", &hex(payload)),
            Entry::Close { conn, code, reason } => {
                w.num("conn", conn).num("code", code).str("reason", reason)
            }
            Entry::Input(input) => write_input(&mut w, input),
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
        let conn = || f.u32("conn").map(ConnId::from_raw);
        let request = || f.u64("request").map(RequestId::from_raw);
        let entry = match kind.as_str() {
            "http_request" => Entry::HttpRequest {
                request: f.u64("request")?,
                method: f.string("method")?,
                body: f.string("body")?,
            },
            "connect" => Entry::Connect {
                conn: f.u32("conn")?,
                url: f.string("url")?,
            },
            "send_text" => Entry::SendText {
                conn: f.u32("conn")?,
                text: f.string("text")?,
            },
            "send_ping" => Entry::SendPing {
                conn: f.u32("conn")?,
                payload: unhex(&f.string("payload")?)?,
            },
            "close" => Entry::Close {
                conn: f.u32("conn")?,
                code: f.u16("code")?,
                reason: f.string("reason")?,
            },
            "http_response" => {
                let mut response = HttpResponse::new(f.u16("status")?, f.string("body")?);
                response.retry_after = match f.0.get("retry_after") {
                    Some(raw) if raw.get() != "null" => {
                        Some(parse_seconds(raw.get()).map_err(|e| format!("`retry_after`: {e}"))?)
                    }
                    _ => None,
                };
                Entry::Input(Input::HttpResponse {
                    request: request()?,
                    response,
                })
            }
            "http_failed" => Entry::Input(Input::HttpFailed {
                request: request()?,
                detail: f.string("detail")?,
            }),
            "connected" => Entry::Input(Input::Connected(conn()?)),
            "connect_failed" => Entry::Input(Input::ConnectFailed {
                conn: conn()?,
                detail: f.string("detail")?,
            }),
            "text" => Entry::Input(Input::Text {
                conn: conn()?,
                frame: f.string("text")?.into(),
            }),
            "binary" => Entry::Input(Input::Binary {
                conn: conn()?,
                frame: unhex(&f.string("data")?)?.into(),
            }),
            "ping" => Entry::Input(Input::Ping(conn()?)),
            "pong" => Entry::Input(Input::Pong {
                conn: conn()?,
                payload: unhex(&f.string("payload")?)?.into(),
            }),
            "closed" => Entry::Input(Input::Closed {
                conn: conn()?,
                code: match f.raw("code")?.get() {
                    "null" => None,
                    _ => Some(f.u16("code")?),
                },
                reason: f.string("reason")?,
            }),
            "timeout" => Entry::Input(Input::Timeout),
            "input_paused" => Entry::Input(Input::InputPaused(f.bool("paused")?)),
            "ack" => Entry::Input(Input::Ack {
                envelope_id: f.string("envelope_id")?,
                payload: match (fields.get("payload"), fields.get("payload_text")) {
                    (Some(raw), _) => Some(raw.get().to_owned()),
                    (None, Some(_)) => Some(f.string("payload_text")?),
                    (None, None) => None,
                },
            }),
            "send_rtm" => {
                let message = f.raw("message")?;
                let value = serde_json::from_str(message.get())
                    .map_err(|e| format!("`message` must be a JSON object: {e}"))?;
                Entry::Input(Input::Rtm(RtmMessage::Raw(value)))
            }
            "send_typing" => Entry::Input(Input::Rtm(RtmMessage::Typing {
                channel: f.string("channel")?,
            })),
            "shutdown" => Entry::Input(Input::Shutdown),
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

    fn bool(&self, name: &str) -> Result<bool, String> {
        let raw = self.raw(name)?;
        serde_json::from_str(raw.get())
            .map_err(|_| format!("`{name}` must be true or false, found {}", raw.get()))
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
        let token_kind = match self.config.token().kind() {
            TokenKind::App => "app",
            TokenKind::Bot => "bot",
            TokenKind::User => "user",
            _ => "other",
        };
        let mut w = LineWriter::new();
        w.num("slackline_transcript", TRANSCRIPT_VERSION)
            .str("token_kind", token_kind)
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
            token_kind: Option<String>,
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
        let config: Config = serde_json::from_str(config.get())
            .map_err(|e| format!("the header's `config` is not a session configuration: {e}"))?;
        let kind = match line.token_kind.as_deref() {
            Some("app") => TokenKind::App,
            Some("user") => TokenKind::User,
            _ => TokenKind::Bot,
        };
        let token = placeholder_for(config.mode(), kind);
        let config = config.with_token(token);
        Ok(TranscriptHeader {
            config,
            note: line.note,
        })
    }
}

fn write_input<'w>(w: &'w mut LineWriter, input: &Input) -> &'w mut LineWriter {
    match input {
        Input::HttpResponse { request, response } => {
            w.num("request", request.get())
                .num("status", response.status);
            if let Some(d) = response.retry_after {
                w.raw("retry_after", &seconds(d));
            }
            w.str("body", &String::from_utf8_lossy(&response.body))
        }
        Input::HttpFailed { request, detail } => {
            w.num("request", request.get()).str("detail", detail)
        }
        Input::Connected(conn) | Input::Ping(conn) => w.num("conn", conn.get()),
        Input::ConnectFailed { conn, detail } => w.num("conn", conn.get()).str("detail", detail),
        Input::Text { conn, frame } => w
            .num("conn", conn.get())
            .str("text", &String::from_utf8_lossy(frame)),
        Input::Binary { conn, frame } => w.num("conn", conn.get()).str("data", &hex(frame)),
        Input::Pong { conn, payload } => w.num("conn", conn.get()).str("payload", &hex(payload)),
        Input::Closed { conn, code, reason } => {
            w.num("conn", conn.get());
            match code {
                Some(code) => w.num("code", code),
                None => w.raw("code", "null"),
            };
            w.str("reason", reason)
        }
        Input::InputPaused(paused) => w.num("paused", paused),
        Input::Ack {
            envelope_id,
            payload,
        } => {
            w.str("envelope_id", envelope_id);
            match payload {
                Some(p) if is_json(p) => w.raw("payload", p),
                Some(p) => w.str("payload_text", p),
                None => w,
            }
        }
        Input::Rtm(RtmMessage::Typing { channel }) => w.str("channel", channel),
        Input::Rtm(RtmMessage::Raw(message)) => w.value("message", message),
        // The recorder keeps every other RTM message as the object it sends (`Raw`).
        Input::Rtm(_) | Input::Timeout | Input::Shutdown => w,
        _ => w,
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
