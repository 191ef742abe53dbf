//! Small helpers over `serde_json` for reading fields lazily out of a received frame.

use std::borrow::Cow;
use std::ops::Range;

use serde_json::value::RawValue;

/// Where `part` (a slice of `whole`) sits inside `whole`.
pub(crate) fn span_of(whole: &[u8], part: &str) -> Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

/// The text of a JSON string value without its quotes, still escaped; `None` if it is not a string.
pub(crate) fn string_contents(raw: &RawValue) -> Option<&str> {
    let text = raw.get();
    (text.len() >= 2 && text.starts_with('"') && text.ends_with('"'))
        .then(|| &text[1..text.len() - 1])
}

/// Unescapes the contents of a JSON string (as returned by [`string_contents`]); borrowed when
/// there is nothing to unescape, which is the norm for ids.
pub(crate) fn unescape(contents: &str) -> Cow<'_, str> {
    if !contents.contains('\\') {
        return Cow::Borrowed(contents);
    }
    let quoted = format!("\"{contents}\"");
    match serde_json::from_str::<String>(&quoted) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(contents),
    }
}

/// A string field, unescaped.
pub(crate) fn as_str(raw: &RawValue) -> Option<Cow<'_, str>> {
    string_contents(raw).map(unescape)
}

/// A boolean, also accepting `"true"` / `"false"` (Slack sends some booleans as strings).
pub(crate) fn as_bool(raw: &RawValue) -> Option<bool> {
    match raw.get() {
        "true" | "\"true\"" => Some(true),
        "false" | "\"false\"" => Some(false),
        _ => None,
    }
}

/// A non-negative integer, also accepting one written as a string.
pub(crate) fn as_u64(raw: &RawValue) -> Option<u64> {
    let text = raw.get();
    let digits = string_contents(raw).unwrap_or(text);
    digits.parse().ok()
}

/// A signed integer, also accepting one written as a string.
pub(crate) fn as_i64(raw: &RawValue) -> Option<i64> {
    let text = raw.get();
    let digits = string_contents(raw).unwrap_or(text);
    digits.parse().ok()
}

/// The raw text of the value of top-level `key` in `object`, a JSON object **already validated**
/// by serde_json (so this only has to find boundaries, never to judge validity). A second serde
/// pass would cost a full parse and, for nested values, an allocation; this walk costs neither.
pub(crate) fn top_level_value<'a>(object: &'a str, key: &str) -> Option<&'a str> {
    let bytes = object.as_bytes();
    let mut i = skip_whitespace(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_whitespace(bytes, i);
        if bytes.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(bytes, i)?;
        let this_key = &object[i + 1..key_end - 1];
        i = skip_whitespace(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let value_start = skip_whitespace(bytes, i + 1);
        let value_end = value_end(bytes, value_start)?;
        if this_key == key {
            return Some(&object[value_start..value_end]);
        }
        i = skip_whitespace(bytes, value_end);
        match bytes.get(i) {
            Some(b',') => i += 1,
            _ => return None,
        }
    }
}

fn skip_whitespace(bytes: &[u8], mut i: usize) -> usize {
    while bytes
        .get(i)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// Index just past the closing quote of the string opening at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match bytes.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// Index just past the value starting at `start`.
fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    match bytes.get(start)? {
        b'"' => string_end(bytes, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = start;
            loop {
                match bytes.get(i)? {
                    b'"' => {
                        i = string_end(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let mut i = start;
            while bytes
                .get(i)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
            {
                i += 1;
            }
            Some(i)
        }
    }
}

/// Best effort for frames that are not valid JSON: finds `"envelope_id":"…"` textually so the
/// envelope can still be acked (Slack would otherwise redeliver a frame we can never read).
pub(crate) fn salvage_string_field<'a>(frame: &'a [u8], field: &str) -> Option<&'a str> {
    let text = std::str::from_utf8(frame).ok()?;
    let needle = format!("\"{field}\"");
    let mut search = 0;
    while let Some(found) = text[search..].find(&needle) {
        let after_key = search + found + needle.len();
        let rest = text[after_key..].trim_start();
        if let Some(rest) = rest.strip_prefix(':') {
            let rest = rest.trim_start();
            if let Some(body) = rest.strip_prefix('"') {
                let end = body.find(['"', '\\'])?;
                let id = &body[..end];
                // Only ids that can be echoed verbatim inside a JSON string (no escapes, no controls).
                let echoable =
                    body.as_bytes()[end] == b'"' && !id.is_empty() && !id.bytes().any(|b| b < 0x20);
                return echoable.then_some(id);
            }
        }
        search = after_key;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn lenient_scalars() {
        assert_eq!(as_bool(&raw("\"true\"")), Some(true));
        assert_eq!(as_bool(&raw("1")), None);
        assert_eq!(as_u64(&raw("\"12\"")), Some(12));
        assert_eq!(as_u64(&raw("-1")), None);
        assert_eq!(as_i64(&raw("-1")), Some(-1));
        assert_eq!(as_str(&raw(r#""a\"b""#)).as_deref(), Some("a\"b"));
        assert_eq!(as_str(&raw("3")), None);
    }

    #[test]
    fn top_level_values_skip_nested_ones() {
        let object = r#" { "event" : {"event_id":"inner","s":"a\"}"}, "list":[1,{"x":[]}], "n": -1.5e3 ,"event_id" :"Ev1" } "#;
        assert_eq!(top_level_value(object, "event_id"), Some(r#""Ev1""#));
        assert_eq!(top_level_value(object, "n"), Some("-1.5e3"));
        assert_eq!(top_level_value(object, "list"), Some(r#"[1,{"x":[]}]"#));
        assert_eq!(top_level_value(object, "missing"), None);
        assert_eq!(top_level_value("[]", "a"), None);
        assert_eq!(top_level_value("{}", "a"), None);
        assert_eq!(top_level_value(r#"{"a":"#, "a"), None);
    }

    #[test]
    fn salvage_reads_an_id_from_broken_json() {
        let frame = br#"{"envelope_id" : "abc-1", "payload": {oops"#;
        assert_eq!(salvage_string_field(frame, "envelope_id"), Some("abc-1"));
        assert_eq!(
            salvage_string_field(br#"{"envelope_id":3}"#, "envelope_id"),
            None
        );
        assert_eq!(
            salvage_string_field(br#"{"envelope_id":"#, "envelope_id"),
            None
        );
        assert_eq!(
            salvage_string_field(br#"{"envelope_id":"a\"b"}"#, "envelope_id"),
            None
        );
        let control = b"{\"envelope_id\":\"a\nb\", \"payload\": {";
        assert_eq!(salvage_string_field(control, "envelope_id"), None);
    }
}
