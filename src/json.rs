//! Reading a few fields out of a received frame without parsing the rest.
//!
//! Slack frames are a small header around a large payload. [`find`] walks the top-level object
//! once: it checks the object's own structure (keys, colons, commas, the closing brace, nothing
//! after it) and records the raw text of the members asked for, but inside nested values it only
//! finds where they end (strings, brackets). The payload is validated when the application
//! deserialises it, not on the ack path. Values are then decoded leniently by the helpers below.
//!
//! The scanner reads bytes: only JSON's ASCII structure matters to it, so a frame's text need
//! not be checked for UTF-8 as a whole (the WebSocket layer already did, and the pieces that are
//! used as text are checked where they are used).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// Where `part` (a slice of `whole`) sits inside `whole`.
pub(crate) fn span_of(whole: &[u8], part: &[u8]) -> Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

/// The text at `range` of a received frame; empty if the range does not fall on text (it
/// always does for ranges the scanner produced, but a frame is never trusted to panic on).
pub(crate) fn text_at(frame: &[u8], range: Range<usize>) -> &str {
    frame
        .get(range)
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or_default()
}

/// Why a frame's top level could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ScanError {
    what: &'static str,
    at: usize,
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

fn error<T>(what: &'static str, at: usize) -> Result<T, ScanError> {
    Err(ScanError { what, at })
}

/// The raw text of the members named in `keys` (first level only), `None` for absent ones.
/// A repeated member among `keys` is an error: which of the two would an ack answer?
pub(crate) fn find<'a, const N: usize>(
    text: &'a str,
    keys: [&str; N],
) -> Result<[Option<&'a str>; N], ScanError> {
    let (found, _) = find_with_inner(text.as_bytes(), keys, "", [])?;
    // Members start and end at ASCII structure, so these are always character boundaries.
    Ok(found.map(|value| value.and_then(|v| text.get(span_of(text.as_bytes(), v)))))
}

/// The raw values of the members asked for, in the order asked.
pub(crate) type Found<'a, const N: usize> = [Option<&'a [u8]>; N];

/// Like [`find`] over bytes, and also the members `inner_keys` of the object that is the value
/// of `inner`, read in the same pass (the payload's `event_id` costs no second walk).
pub(crate) fn find_with_inner<'a, const N: usize, const M: usize>(
    bytes: &'a [u8],
    keys: [&str; N],
    inner: &str,
    inner_keys: [&str; M],
) -> Result<(Found<'a, N>, Found<'a, M>), ScanError> {
    let mut found = [None; N];
    let mut inner_found = [None; M];
    let start = skip_whitespace(bytes, 0);
    let end = walk_object(bytes, start, |key, value_start| {
        let value_end = if key == inner.as_bytes() && bytes.get(value_start) == Some(&b'{') {
            walk_object(bytes, value_start, |inner_key, inner_start| {
                let inner_end = value_end(bytes, inner_start)?;
                record(
                    &mut inner_found,
                    inner_keys,
                    inner_key,
                    &bytes[inner_start..inner_end],
                    inner_start,
                )?;
                Ok(inner_end)
            })?
        } else {
            value_end(bytes, value_start)?
        };
        record(
            &mut found,
            keys,
            key,
            &bytes[value_start..value_end],
            value_start,
        )?;
        Ok(value_end)
    })?;
    finish(bytes, end)?;
    Ok((found, inner_found))
}

fn record<'a, const N: usize>(
    found: &mut Found<'a, N>,
    keys: [&str; N],
    key: &[u8],
    value: &'a [u8],
    at: usize,
) -> Result<(), ScanError> {
    if let Some(slot) = keys.iter().position(|k| k.as_bytes() == key) {
        if found[slot].is_some() {
            return error("repeated member", at);
        }
        found[slot] = Some(value);
    }
    Ok(())
}

/// Walks the object opening at `start`, calling `on_member(key, value_start)` for each member;
/// `on_member` returns where the value ends. Returns the index just past the closing brace.
fn walk_object<'a>(
    bytes: &'a [u8],
    start: usize,
    mut on_member: impl FnMut(&'a [u8], usize) -> Result<usize, ScanError>,
) -> Result<usize, ScanError> {
    if bytes.get(start) != Some(&b'{') {
        return error("expected a JSON object", start);
    }
    let mut i = skip_whitespace(bytes, start + 1);
    if bytes.get(i) == Some(&b'}') {
        return Ok(i + 1);
    }
    loop {
        if bytes.get(i) != Some(&b'"') {
            return error("expected a member name", i);
        }
        let key_end = string_end(bytes, i)?;
        let key = &bytes[i + 1..key_end - 1];
        i = skip_whitespace(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return error("expected `:`", i);
        }
        let value_end = on_member(key, skip_whitespace(bytes, i + 1))?;
        i = skip_whitespace(bytes, value_end);
        match bytes.get(i) {
            Some(b',') => i = skip_whitespace(bytes, i + 1),
            Some(b'}') => return Ok(i + 1),
            _ => return error("expected `,` or `}`", i),
        }
    }
}

/// The raw text of top-level member `key` of `object`, if `object` is readable and has it.
pub(crate) fn member<'a>(object: &'a str, key: &str) -> Option<&'a str> {
    find(object, [key]).ok().and_then(|[value]| value)
}

fn finish(bytes: &[u8], end: usize) -> Result<(), ScanError> {
    let rest = skip_whitespace(bytes, end);
    if rest == bytes.len() {
        Ok(())
    } else {
        error("unexpected text after the object", rest)
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
fn string_end(bytes: &[u8], start: usize) -> Result<usize, ScanError> {
    let mut i = start + 1;
    while let Some(at) = crate::json_skip::next_quote_or_backslash(bytes, i) {
        if bytes[at] == b'"' {
            return Ok(at + 1);
        }
        i = at + 2;
    }
    error("unterminated string", start)
}

/// Index just past the value starting at `start`. Containers are matched by depth only: their
/// insides are judged when (and if) the application parses them.
fn value_end(bytes: &[u8], start: usize) -> Result<usize, ScanError> {
    match bytes.get(start) {
        Some(b'"') => string_end(bytes, start),
        Some(b'{' | b'[') => crate::json_skip::container_end(bytes, start)
            .map_or_else(|| error("unterminated object or array", start), Ok),
        Some(b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
            let mut i = start;
            while bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'+' | b'.'))
            {
                i += 1;
            }
            Ok(i)
        }
        _ => error("expected a value", start),
    }
}

/// The text of a JSON string value without its quotes, still escaped; `None` if it is not a string.
pub(crate) fn string_contents(raw: &str) -> Option<&str> {
    // The quotes are one byte each, so the contents start and end on character boundaries.
    quoted(raw.as_bytes()).and_then(|contents| raw.get(1..1 + contents.len()))
}

/// [`string_contents`] of raw bytes.
pub(crate) fn quoted(raw: &[u8]) -> Option<&[u8]> {
    match raw {
        [b'"', contents @ .., b'"'] => Some(contents),
        _ => None,
    }
}

/// Whether string contents are JSON that can be echoed verbatim inside another JSON string (an
/// ack's `envelope_id`): UTF-8, no control characters, and escapes that parse.
pub(crate) fn is_echoable(contents: &[u8]) -> bool {
    if is_plain_ascii(contents) {
        return true; // every id Slack sends
    }
    if contents.iter().any(|&b| b < 0x20) {
        return false;
    }
    std::str::from_utf8(contents).is_ok_and(|c| {
        !has_escapes(c.as_bytes()) || serde_json::from_str::<String>(&format!("\"{c}\"")).is_ok()
    })
}

/// ASCII without backslashes and without the control characters a JSON string must escape
/// (below 0x20). One pass without an early exit, so the compiler can
/// check sixteen bytes per step.
fn is_plain_ascii(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |plain, &b| {
        plain & (0x20..0x80).contains(&b) & (b != b'\\')
    })
}

/// Whether string contents hold a backslash (an escape to decode).
pub(crate) fn has_escapes(contents: &[u8]) -> bool {
    memchr::memchr(b'\\', contents).is_some()
}

/// Unescapes the contents of a JSON string; borrowed when there is nothing to unescape, which
/// is the norm for ids. Undecodable escapes are left as they are.
pub(crate) fn unescape(contents: &str) -> Cow<'_, str> {
    if !has_escapes(contents.as_bytes()) {
        return Cow::Borrowed(contents);
    }
    match serde_json::from_str::<String>(&format!("\"{contents}\"")) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(contents),
    }
}

/// String contents as text, unescaped; bytes that are not UTF-8 are replaced (U+FFFD).
pub(crate) fn decode(contents: &[u8]) -> Cow<'_, str> {
    match String::from_utf8_lossy(contents) {
        Cow::Borrowed(text) => unescape(text),
        Cow::Owned(text) => Cow::Owned(unescape(&text).into_owned()),
    }
}

/// A string field, unescaped.
pub(crate) fn as_str(raw: &str) -> Option<Cow<'_, str>> {
    string_contents(raw).map(unescape)
}

/// A boolean, also accepting `"true"` / `"false"` (Slack sends some booleans as strings).
pub(crate) fn as_bool(raw: &[u8]) -> Option<bool> {
    match raw {
        b"true" | b"\"true\"" => Some(true),
        b"false" | b"\"false\"" => Some(false),
        _ => None,
    }
}

/// A non-negative integer, also accepting one written as a string.
pub(crate) fn as_u64(raw: &[u8]) -> Option<u64> {
    let digits = quoted(raw).unwrap_or(raw);
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// A signed integer, also accepting one written as a string.
pub(crate) fn as_i64(raw: &str) -> Option<i64> {
    string_contents(raw).unwrap_or(raw).parse().ok()
}

/// Best effort for frames that cannot be read: finds `"envelope_id":"…"` textually so the
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
                    body.as_bytes()[end] == b'"' && !id.is_empty() && is_echoable(id.as_bytes());
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

    #[test]
    fn finds_top_level_members_and_skips_nested_ones() {
        let object = r#" { "event" : {"event_id":"inner","s":"a\"}"}, "list":[1,{"x":[]}], "n": -1.5e3 ,"event_id" :"Ev1" } "#;
        let [event_id, n, list, missing] =
            find(object, ["event_id", "n", "list", "missing"]).unwrap();
        assert_eq!(event_id, Some(r#""Ev1""#));
        assert_eq!(n, Some("-1.5e3"));
        assert_eq!(list, Some(r#"[1,{"x":[]}]"#));
        assert_eq!(missing, None);
        assert_eq!(member(object, "event_id"), Some(r#""Ev1""#));
        assert_eq!(find("{}", ["a"]).unwrap(), [None]);
    }

    #[test]
    fn the_top_level_structure_is_checked() {
        for bad in [
            "[]",
            "",
            "{",
            r#"{"a":"#,
            r#"{"a":1"#,
            r#"{"a" 1}"#,
            r#"{"a":1,}"#,
            r#"{"a":1} x"#,
            r#"{a:1}"#,
            r#"{"a":"x}"#,
            r#"{"a":{"b":1}"#,
            r#"{"a":?}"#,
        ] {
            assert!(find(bad, ["a"]).is_err(), "{bad:?} should not scan");
        }
        assert!(
            find(r#"{"a":1,"a":2}"#, ["a"]).is_err(),
            "repeated members are ambiguous"
        );
        assert!(
            find(r#"{"b":1,"b":2}"#, ["a"]).is_ok(),
            "repeats of members nobody asked for do not matter"
        );
        let ([payload], [inner]) = find_with_inner(
            br#"{"payload":{"event":{"event_id":"no"},"event_id":"Ev1"}}"#,
            ["payload"],
            "payload",
            ["event_id"],
        )
        .unwrap();
        assert_eq!(inner, Some(&br#""Ev1""#[..]));
        assert_eq!(
            payload,
            Some(&br#"{"event":{"event_id":"no"},"event_id":"Ev1"}"#[..])
        );
        assert!(
            find_with_inner(br#"{"payload":{"a":1,}}"#, ["payload"], "payload", ["a"]).is_err()
        );
        let err = find(r#"{"a":1} x"#, ["a"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unexpected text after the object at byte 8"
        );
    }

    #[test]
    fn lenient_scalars() {
        assert_eq!(as_bool(b"\"true\""), Some(true));
        assert_eq!(as_bool(b"1"), None);
        assert_eq!(as_u64(b"\"12\""), Some(12));
        assert_eq!(as_u64(b"-1"), None);
        assert_eq!(quoted(b"\"ab\""), Some(&b"ab"[..]));
        assert_eq!(quoted(b"\""), None);
        assert_eq!(as_i64("-1"), Some(-1));
        assert_eq!(as_str(r#""a\"b""#).as_deref(), Some("a\"b"));
        assert_eq!(as_str("3"), None);
    }

    #[test]
    fn only_valid_string_contents_are_echoable() {
        assert!(is_echoable(b"abc-1"));
        assert!(is_echoable("ab\u{e9}".as_bytes()));
        assert!(is_echoable(br"a\u0062c"));
        assert!(!is_echoable(b"a\nb"));
        assert!(!is_echoable(br"a\qb"));
        assert!(
            !is_echoable(b"a\xffb"),
            "not UTF-8: an ack could not carry it"
        );
        assert!(is_plain_ascii(b"0a1b-C2 ~\x7f"));
        for odd in [&b"a\\b"[..], b"a\x1fb", "\u{e9}".as_bytes()] {
            assert!(!is_plain_ascii(odd), "{odd:?}");
        }
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
