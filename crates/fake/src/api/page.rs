//! Cursor pagination as Slack does it: `cursor` and `limit` in, `response_metadata.next_cursor`
//! out (empty on the last page). Cursors are base64 of `<kind>:<key>`, like Slack's own
//! (`dXNlcjpVMDYxTkZUVDI=` is `user:U061NFTT2`), naming where the next page starts.

use serde_json::{json, Value};

use super::args::Args;
use super::reply::ApiError;

/// `limit` and `cursor` of a paginated call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PageRequest {
    /// Items per page.
    pub(crate) limit: usize,
    /// Where the page starts (the key inside the cursor), `None` for the first page.
    pub(crate) start: Option<String>,
}

impl PageRequest {
    /// Reads `limit` (default `default`, at most `max`; 0 means the default) and `cursor`,
    /// whose kind must be `kind`.
    pub(crate) fn read(
        args: &Args,
        kind: &str,
        default: usize,
        max: usize,
    ) -> Result<PageRequest, ApiError> {
        let limit = match args.integer("limit") {
            Err(_) => return Err(ApiError::new("invalid_limit")),
            Ok(None) | Ok(Some(0)) => default,
            Ok(Some(n)) if n < 0 => return Err(ApiError::new("invalid_limit")),
            Ok(Some(n)) => usize::try_from(n).unwrap_or(usize::MAX).min(max),
        };
        let start = match args.text("cursor") {
            None => None,
            Some(cursor) => {
                Some(decode(&cursor, kind).ok_or_else(|| ApiError::new("invalid_cursor"))?)
            }
        };
        Ok(PageRequest { limit, start })
    }
}

/// A cursor for the page starting at `key`.
pub(crate) fn cursor(kind: &str, key: &str) -> String {
    base64(format!("{kind}:{key}").as_bytes())
}

/// `response_metadata` with the next page's cursor, or an empty one on the last page.
pub(crate) fn metadata(next: Option<String>) -> Value {
    json!({ "next_cursor": next.unwrap_or_default() })
}

/// The key inside a cursor of `kind`.
fn decode(cursor: &str, kind: &str) -> Option<String> {
    let bytes = unbase64(cursor.trim())?;
    let text = String::from_utf8(bytes).ok()?;
    let key = text.strip_prefix(kind)?.strip_prefix(':')?;
    (!key.is_empty()).then(|| key.to_owned())
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64, padding optional; `None` for anything else.
fn unbase64(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_are_slacks_base64() {
        assert_eq!(cursor("user", "U061NFTT2"), "dXNlcjpVMDYxTkZUVDI=");
        assert_eq!(cursor("team", "C061FA5PB"), "dGVhbTpDMDYxRkE1UEI=");
        assert_eq!(
            decode("dXNlcjpVMDYxTkZUVDI=", "user").as_deref(),
            Some("U061NFTT2")
        );
        assert_eq!(
            decode("dXNlcjpVMDYxTkZUVDI", "user").as_deref(),
            Some("U061NFTT2")
        );
        assert_eq!(decode("dXNlcjpVMDYxTkZUVDI=", "team"), None, "another kind");
        assert_eq!(decode("!!", "user"), None);
        for text in ["", "a", "ab", "abc", "abcd", "next_ts:1700000000.000100"] {
            assert_eq!(unbase64(&base64(text.as_bytes())).unwrap(), text.as_bytes());
        }
    }

    #[test]
    fn limits_and_cursors_from_arguments() {
        let args = Args::parse(None, b"limit=5000&cursor=dXNlcjpVMDYxTkZUVDI%3D");
        let page = PageRequest::read(&args, "user", 100, 1000).unwrap();
        assert_eq!(
            page,
            PageRequest {
                limit: 1000,
                start: Some("U061NFTT2".into())
            }
        );
        let args = Args::parse(None, b"limit=0");
        assert_eq!(
            PageRequest::read(&args, "user", 100, 1000).unwrap().limit,
            100
        );
        for bad in [&b"limit=x"[..], b"limit=-1"] {
            let e = PageRequest::read(&Args::parse(None, bad), "user", 100, 1000).unwrap_err();
            assert_eq!(e.code, "invalid_limit");
        }
        let e = PageRequest::read(&Args::parse(None, b"cursor=zz"), "user", 1, 1).unwrap_err();
        assert_eq!(e.code, "invalid_cursor");
    }
}
