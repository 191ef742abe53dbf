//! Redaction of everything a transcript keeps as text: tokens anywhere, and WebSocket URLs
//! (single-use secrets) in a JSON object's top-level `url` field, as in the responses of
//! `apps.connections.open` / `rtm.connect` and RTM's `reconnect_url` frames.

use std::borrow::Cow;

use crate::json::{member, span_of, string_contents, unescape};
use crate::secret::redact_tokens;
use crate::webapi::redact_url;

/// `text` with every token and WebSocket URL secret replaced; borrowed when there was nothing
/// to hide. Text that is not JSON only has its tokens redacted.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    let urls = redact_ws_url_field(text);
    match redact_tokens(&urls) {
        Cow::Borrowed(_) => urls,
        Cow::Owned(redacted) => Cow::Owned(redacted),
    }
}

fn redact_ws_url_field(text: &str) -> Cow<'_, str> {
    if !text.contains("\"url\"") {
        return Cow::Borrowed(text);
    }
    let Some(raw) = member(text, "url") else {
        return Cow::Borrowed(text);
    };
    let Some(contents) = string_contents(raw) else {
        return Cow::Borrowed(text);
    };
    let url = unescape(contents);
    if !(url.starts_with("wss://") || url.starts_with("ws://")) {
        return Cow::Borrowed(text);
    }
    let redacted = redact_url(&url);
    if redacted == url {
        return Cow::Borrowed(text);
    }
    let span = span_of(text.as_bytes(), raw.as_bytes());
    let quoted = serde_json::to_string(&redacted).unwrap_or_else(|_| "\"\"".into());
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..span.start]);
    out.push_str(&quoted);
    out.push_str(&text[span.end..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_urls_and_tokens_are_hidden() {
        let body = r#"{"ok":true,"url":"wss:\/\/wss-primary.slack.com\/link\/?ticket=abc&app_id=A1","note":"xoxb-123-abc"}"#;
        assert_eq!(
            redact_text(body),
            r#"{"ok":true,"url":"wss://wss-primary.slack.com/…","note":"xoxb-<redacted>"}"#
        );
        let plain = r#"{"ok":true,"url":"https://team.slack.com/"}"#;
        assert!(matches!(redact_text(plain), Cow::Borrowed(_)));
        assert!(matches!(redact_text("not json"), Cow::Borrowed(_)));
        assert_eq!(redact_text("Bearer xapp-1-x"), "Bearer xapp-<redacted>");
        let done = r#"{"url":"wss://h/…"}"#;
        assert!(matches!(redact_text(done), Cow::Borrowed(_)));
    }
}
