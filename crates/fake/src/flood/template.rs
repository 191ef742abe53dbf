//! Pre-serialised envelope frames with fixed-width id placeholders: sending one is writing two
//! ids into bytes that already hold everything else. The recorded frames keep their bytes
//! (whitespace included); only `envelope_id` and, for Events API, `payload.event_id` change,
//! and they change to ids of a fixed width so that the offsets never move.

use std::ops::Range;

use serde::Deserialize;
use serde_json::value::RawValue;

/// `envelope_id` on the wire: UUID-shaped, `SSSSSSSS-f100-4d00-8000-NNNNNNNNNNNN` with the slot
/// (S, hex) and the delivery's sequence number (N, hex).
pub(crate) const ENVELOPE_ID_LEN: usize = 36;
const ENVELOPE_ID_MIDDLE: &[u8] = b"-f100-4d00-8000-";
/// `payload.event_id`: `EvF` and the sequence number in 13 hex digits (Slack's look: `Ev0…`).
const EVENT_ID_LEN: usize = 16;
const EVENT_ID_PREFIX: &[u8] = b"EvF";

/// One recorded envelope, ready to be stamped with fresh ids.
#[derive(Clone, Debug)]
pub(crate) struct Template {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
    envelope_id: Range<usize>,
    event_id: Option<Range<usize>>,
}

impl Template {
    /// The template for a recorded frame, or `None` if it is not an envelope the flood plays
    /// (`events_api`, `interactive` or `slash_commands`, with an `envelope_id`).
    pub(crate) fn from_frame(name: &str, text: &str) -> Option<Result<Template, String>> {
        let text = text.trim();
        let bytes = text.as_bytes();
        let frame: FrameIds<'_> = match serde_json::from_str(text) {
            Ok(frame) => frame,
            Err(e) => return Some(Err(format!("{name}: not a JSON object: {e}"))),
        };
        let kind = frame.kind.and_then(string_contents)?;
        if !matches!(kind, b"events_api" | b"interactive" | b"slash_commands") {
            return None;
        }
        let envelope_id = frame.envelope_id.and_then(string_contents)?;
        let event_id = frame
            .payload
            .and_then(|p| serde_json::from_str::<PayloadIds<'_>>(p.get()).ok())
            .and_then(|p| p.event_id)
            .and_then(string_contents);
        let mut spans = vec![(span_of(bytes, envelope_id), ENVELOPE_ID_LEN)];
        if let (Some(id), b"events_api") = (event_id, kind) {
            spans.push((span_of(bytes, id), EVENT_ID_LEN));
        }
        spans.sort_by_key(|(span, _)| span.start);
        // Rebuild with placeholders of the fixed widths, noting where they land.
        let mut out = Vec::with_capacity(bytes.len() + ENVELOPE_ID_LEN + EVENT_ID_LEN);
        let mut placed = Vec::new();
        let mut from = 0;
        for (span, width) in spans {
            out.extend_from_slice(&bytes[from..span.start]);
            placed.push((span.start, out.len()..out.len() + width));
            out.resize(out.len() + width, b'0');
            from = span.end;
        }
        out.extend_from_slice(&bytes[from..]);
        let range_for = |original: Option<&[u8]>| {
            let start = span_of(bytes, original?).start;
            placed
                .iter()
                .find(|(s, _)| *s == start)
                .map(|(_, r)| r.clone())
        };
        let envelope_range = range_for(Some(envelope_id))?;
        let event_range = if kind == b"events_api" {
            range_for(event_id)
        } else {
            None
        };
        let mut template = Template {
            name: name.to_owned(),
            bytes: out,
            envelope_id: envelope_range,
            event_id: event_range,
        };
        template.stamp(0, 0);
        Some(Ok(template))
    }

    /// Writes the ids of delivery `seq` in `slot` into the frame.
    pub(crate) fn stamp(&mut self, slot: u32, seq: u64) {
        let id = &mut self.bytes[self.envelope_id.clone()];
        write_hex(&mut id[..8], u64::from(slot));
        id[8..24].copy_from_slice(ENVELOPE_ID_MIDDLE);
        write_hex(&mut id[24..], seq);
        if let Some(range) = self.event_id.clone() {
            let id = &mut self.bytes[range];
            id[..3].copy_from_slice(EVENT_ID_PREFIX);
            write_hex(&mut id[3..], seq);
        }
    }
}

/// The members a template rewrites, borrowed from the frame's text: their positions in it are
/// where the fresh ids go.
#[derive(Deserialize)]
struct FrameIds<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<&'a RawValue>,
    #[serde(borrow)]
    envelope_id: Option<&'a RawValue>,
    #[serde(borrow)]
    payload: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct PayloadIds<'a> {
    #[serde(borrow)]
    event_id: Option<&'a RawValue>,
}

/// The bytes between the quotes of a JSON string without escapes (ids never hold any).
fn string_contents(raw: &RawValue) -> Option<&[u8]> {
    let text = raw.get().strip_prefix('"')?.strip_suffix('"')?;
    (!text.contains('\\')).then_some(text.as_bytes())
}

/// Where `part`, a slice of `whole`, lies in it.
fn span_of(whole: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

/// `value` as lowercase hex filling `out` (the high digits dropped if it does not fit).
fn write_hex(out: &mut [u8], mut value: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for byte in out.iter_mut().rev() {
        *byte = DIGITS[(value & 0xf) as usize];
        value >>= 4;
    }
}

fn read_hex(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |acc, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            _ => return None,
        };
        Some(acc << 4 | u64::from(v))
    })
}

/// The slot and sequence number of an id the flood issued, or `None` for any other text.
pub(crate) fn parse_envelope_id(id: &[u8]) -> Option<(u32, u64)> {
    if id.len() != ENVELOPE_ID_LEN || &id[8..24] != ENVELOPE_ID_MIDDLE {
        return None;
    }
    let slot = u32::try_from(read_hex(&id[..8])?).ok()?;
    Some((slot, read_hex(&id[24..])?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_fixed_width_ids_and_keeps_every_other_byte() {
        let text = r#"{"envelope_id": "abc", "payload": {"event_id":"Ev1","event":{"type":"x"}}, "type":"events_api"}"#;
        let mut t = Template::from_frame("a.json", text).unwrap().unwrap();
        t.stamp(7, 0x1234);
        let frame = std::str::from_utf8(&t.bytes).unwrap();
        assert_eq!(
            frame,
            r#"{"envelope_id": "00000007-f100-4d00-8000-000000001234", "payload": {"event_id":"EvF0000000001234","event":{"type":"x"}}, "type":"events_api"}"#
        );
        let v: serde_json::Value = serde_json::from_str(frame).unwrap();
        let id = v["envelope_id"].as_str().unwrap();
        assert_eq!(parse_envelope_id(id.as_bytes()), Some((7, 0x1234)));
    }

    #[test]
    fn only_envelopes_of_the_three_kinds_are_templates() {
        assert!(Template::from_frame("h", r#"{"type":"hello"}"#).is_none());
        assert!(Template::from_frame("n", r#"{"type":"events_api","payload":{}}"#).is_none());
        assert!(Template::from_frame("bad", "{nope").unwrap().is_err());
        // Interactive and slash command envelopes have no event id to replace.
        let mut t = Template::from_frame(
            "s",
            r#"{"payload":{"event_id":"keep"},"envelope_id":"x","type":"slash_commands"}"#,
        )
        .unwrap()
        .unwrap();
        t.stamp(1, 2);
        let frame = std::str::from_utf8(&t.bytes).unwrap();
        assert!(frame.contains(r#""event_id":"keep""#), "{frame}");
    }

    #[test]
    fn foreign_ids_are_not_parsed() {
        assert_eq!(parse_envelope_id(b"xxx-11-222-yyy-zzz"), None);
        assert_eq!(
            parse_envelope_id(b"0000000g-f100-4d00-8000-000000000001"),
            None
        );
        assert_eq!(
            parse_envelope_id(b"00000001-f100-4d00-8000-00000000000z"),
            None
        );
        assert_eq!(
            parse_envelope_id(b"00000001-f100-4d00-8000-00000000000a"),
            Some((1, 10))
        );
    }
}
