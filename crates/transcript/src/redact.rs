//! Redaction of everything a transcript keeps as text: tokens anywhere, and WebSocket URLs
//! (single-use secrets) in a JSON object's top-level `url` field, as in the responses of
//! `apps.connections.open` / `rtm.connect` and RTM's `reconnect_url` frames.

use std::borrow::Cow;

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use slackline::redact_url;
use slackline::{redact_tokens, redact_tokens_keeping_length};

/// `text` with every token and WebSocket URL secret replaced; borrowed when there was nothing
/// to hide. Text that is not JSON only has its tokens redacted.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    let urls = redact_ws_url_field(text);
    match redact_tokens(&urls) {
        Cow::Borrowed(_) => urls,
        Cow::Owned(redacted) => Cow::Owned(redacted),
    }
}

/// A received frame as a transcript keeps it: like [`redact_text`], but each token is
/// replaced in place, keeping its length ([`redact_tokens_keeping_length`]), so that a replay
/// parses the same layout: an error in a malformed frame that held a token is reported at the
/// same byte as in the recording, not as a difference.
pub(crate) fn redact_frame(text: &str) -> Cow<'_, str> {
    let urls = redact_ws_url_field(text);
    match redact_tokens_keeping_length(&urls) {
        Cow::Borrowed(_) => urls,
        Cow::Owned(redacted) => Cow::Owned(redacted),
    }
}

fn redact_ws_url_field(text: &str) -> Cow<'_, str> {
    if !text.contains("\"url\"") {
        return Cow::Borrowed(text);
    }
    let Ok(UrlFields(fields)) = serde_json::from_str::<UrlFields<'_>>(text) else {
        return Cow::Borrowed(text);
    };
    let mut out = Cow::Borrowed(text);
    for raw in fields {
        let Ok(url) = serde_json::from_str::<String>(raw.get()) else {
            continue;
        };
        if !(url.starts_with("wss://") || url.starts_with("ws://")) {
            continue;
        }
        let redacted = redact_url(&url);
        if redacted != url {
            let quoted = serde_json::to_string(&redacted).unwrap_or_else(|_| "\"\"".into());
            out = Cow::Owned(out.replace(raw.get(), &quoted));
        }
    }
    out
}

/// Every top-level `url` member of a JSON object, as written (duplicates included: a peer
/// may send two, and each may hold a secret).
struct UrlFields<'a>(Vec<&'a RawValue>);

impl<'de> Deserialize<'de> for UrlFields<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = UrlFields<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut urls = Vec::new();
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    if key == "url" {
                        urls.push(map.next_value::<&'de RawValue>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(UrlFields(urls))
            }
        }
        deserializer.deserialize_map(Members)
    }
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
