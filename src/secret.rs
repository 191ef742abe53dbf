//! Tokens, and the redaction that keeps them out of logs, `Debug` output, errors and transcripts.

use std::borrow::Cow;
use std::fmt;

/// A Slack token. Its `Debug` and `Display` show only its kind, never the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

/// What a token is for, read from its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenKind {
    /// `xapp-`: an app-level token, the one Socket Mode needs.
    App,
    /// `xoxb-`: a bot token (RTM, Web API).
    Bot,
    /// `xoxp-`: a user token (RTM, Web API).
    User,
    /// Any other prefix.
    Other,
}

impl TokenKind {
    fn of(token: &str) -> TokenKind {
        match token.get(..5) {
            Some("xapp-") => TokenKind::App,
            Some("xoxb-") => TokenKind::Bot,
            Some("xoxp-") => TokenKind::User,
            _ => TokenKind::Other,
        }
    }
}

impl Token {
    /// Wraps a token, trimming surrounding whitespace (tokens pasted into env files often carry a newline).
    pub fn new(token: impl Into<String>) -> Self {
        let token = token.into();
        let trimmed = token.trim();
        if trimmed.len() == token.len() {
            Token(token)
        } else {
            Token(trimmed.to_owned())
        }
    }

    /// The kind of token, from its prefix.
    pub fn kind(&self) -> TokenKind {
        TokenKind::of(&self.0)
    }

    /// The secret itself, for the one place that needs it: the `Authorization` header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the token is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn label(&self) -> &'static str {
        match self.kind() {
            TokenKind::App => "xapp-<redacted>",
            TokenKind::Bot => "xoxb-<redacted>",
            TokenKind::User => "xoxp-<redacted>",
            TokenKind::Other => "<redacted>",
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({})", self.label())
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Every token prefix Slack issues: app, bot, user, legacy workspace/refresh/config tokens.
const TOKEN_PREFIXES: [&str; 8] = [
    "xapp-", "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xwfp-",
];

/// Replaces every Slack token in `text` with `<prefix><redacted>`.
///
/// Used on anything that leaves the process as text (transcripts, error bodies, logs). Borrowed when
/// there is nothing to redact, which is the common case.
///
/// A token runs from its prefix to the next whitespace, control character, quote or
/// delimiter (`,;&|<>()[]{}`), whatever else it holds: a token pasted with a non-ASCII
/// character (or a `%` escape) must not leave its tail in the clear. A backslash takes the
/// character after it along, so that redacting inside JSON text never cuts an escape in two
/// (the line stays valid JSON).
pub fn redact_tokens(text: &str) -> Cow<'_, str> {
    redact_each_token(text, |out, _| out.push_str(REDACTED))
}

/// Like [`redact_tokens`], keeping every byte where it was: each token's body becomes
/// `<redacted>` padded with `*` to its length in bytes (only `*` when shorter). For text that is
/// read again, such as the frames a transcript keeps: a replay then parses the same layout,
/// and an error in a malformed frame is reported at the same place as in the recording.
pub fn redact_tokens_keeping_length(text: &str) -> Cow<'_, str> {
    redact_each_token(text, |out, len| {
        if len >= REDACTED.len() {
            out.push_str(REDACTED);
            out.extend(std::iter::repeat_n('*', len - REDACTED.len()));
        } else {
            out.extend(std::iter::repeat_n('*', len));
        }
    })
}

const REDACTED: &str = "<redacted>";

/// `text` with each token's body (after its five-byte prefix) replaced by what `replace`
/// writes, given the body's length in bytes.
fn redact_each_token(text: &str, mut replace: impl FnMut(&mut String, usize)) -> Cow<'_, str> {
    let Some(first) = find_token(text, 0) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut next = Some(first);
    while let Some(start) = next {
        let prefix_end = start + 5;
        if text[prefix_end..].starts_with(REDACTED) {
            // Redacted before (an error that quotes a redacted URL): kept as it is, not
            // redacted twice.
            let kept = prefix_end + REDACTED.len();
            out.push_str(&text[copied..kept]);
            copied = kept;
            next = find_token(text, kept);
            continue;
        }
        let end = token_end(text, prefix_end);
        out.push_str(&text[copied..prefix_end]);
        replace(&mut out, end - prefix_end);
        copied = end;
        next = find_token(text, end);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// Where a token whose body starts at `from` ends (a char boundary).
fn token_end(text: &str, from: usize) -> usize {
    let mut chars = text[from..].char_indices();
    while let Some((i, c)) = chars.next() {
        let ends = c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '"' | '\''
                    | '`'
                    | ','
                    | ';'
                    | '&'
                    | '|'
                    | '<'
                    | '>'
                    | '('
                    | ')'
                    | '['
                    | ']'
                    | '{'
                    | '}'
            );
        if ends {
            return from + i;
        }
        if c == '\\' {
            // An escape stays whole: `\"` inside JSON is not the end of the string.
            chars.next();
        }
    }
    text.len()
}

fn find_token(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    // A prefix glued to other text still counts: a missed token costs far more than an
    // over-redacted word.
    while let Some(at) = memchr::memchr(b'x', &bytes[i..]) {
        let start = i + at;
        let candidate = bytes.get(start..start + 5)?;
        if TOKEN_PREFIXES.iter().any(|p| p.as_bytes() == candidate) {
            return Some(start);
        }
        i = start + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_secret() {
        let token = Token::new("xapp-1-A111-222-abcdef\n");
        assert_eq!(token.expose(), "xapp-1-A111-222-abcdef");
        assert_eq!(format!("{token:?}"), "Token(xapp-<redacted>)");
        assert_eq!(token.to_string(), "xapp-<redacted>");
        assert_eq!(token.kind(), TokenKind::App);
        assert_eq!(Token::new("xoxb-1").kind(), TokenKind::Bot);
        assert_eq!(Token::new("nope").kind(), TokenKind::Other);
    }

    #[test]
    fn redaction_finds_every_token() {
        let text = "Bearer xapp-1-A0-99-ff and xoxb-123-456-abc.def, glued maxoxb-1; xoxp-9";
        assert_eq!(
            redact_tokens(text),
            "Bearer xapp-<redacted> and xoxb-<redacted>, glued maxoxb-<redacted>; xoxp-<redacted>"
        );
        assert!(matches!(redact_tokens("nothing here"), Cow::Borrowed(_)));
        assert_eq!(redact_tokens("xoxb-"), "xoxb-<redacted>");
        assert_eq!(redact_tokens("ünïcödé xoxb-é"), "ünïcödé xoxb-<redacted>");
        // Redacting twice changes nothing more.
        let once = redact_tokens("url `xapp-1-A1-1-secret`, and xoxb-9");
        assert_eq!(once, "url `xapp-<redacted>`, and xoxb-<redacted>");
        assert_eq!(redact_tokens(&once), once);
        assert_eq!(redact_tokens_keeping_length(&once), once);
    }

    #[test]
    fn a_token_with_non_ascii_characters_is_redacted_to_its_end() {
        // The old rule stopped at the first character outside [A-Za-z0-9._-] and left the
        // rest of the token in the clear.
        for (text, expected) in [
            ("xapp-1-A0-1-sécretTAIL", "xapp-<redacted>"),
            ("key xoxb-12-abc€TAIL end", "key xoxb-<redacted> end"),
            ("Bearer xoxp-1-ünïTAIL\n", "Bearer xoxp-<redacted>\n"),
            (
                "token=xoxb-1%C3%A9TAIL&next=1",
                "token=xoxb-<redacted>&next=1",
            ),
            ("(xoxb-1-日本TAIL)", "(xoxb-<redacted>)"),
        ] {
            assert_eq!(redact_tokens(text), expected, "{text}");
        }
    }

    #[test]
    fn redaction_can_keep_every_byte_in_place() {
        for text in [
            r#"{"t":"xoxb-1-sécretTAIL","u":1} oops"#,
            "short xoxb-1 and xapp-1-A0-1-long-enough-to-hold-the-label, then",
            r#"{"t":"xoxb-1-\"TAIL"}"#,
        ] {
            let redacted = redact_tokens_keeping_length(text);
            assert_eq!(redacted.len(), text.len(), "{redacted}");
            assert!(!redacted.contains("TAIL") && !redacted.contains("sécret"));
            assert!(!redacted.contains("long-enough"), "{redacted}");
        }
        assert_eq!(
            redact_tokens_keeping_length("a xoxb-12345678901 b"),
            "a xoxb-<redacted>* b"
        );
        assert!(matches!(
            redact_tokens_keeping_length("none"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn redaction_keeps_json_text_valid() {
        for text in [
            r#"{"t":"xoxb-1-é\"TAIL","u":1}"#,
            r#"{"t":"xoxb-1-\u00e9TAIL\\","u":1}"#,
            r#"{"t":"xoxb-1\nTAIL more"}"#,
            r#"["xapp-1-ü",{"k":"xoxe-1-x"}]"#,
        ] {
            let redacted = redact_tokens(text);
            assert!(!redacted.contains("TAIL"), "{redacted}");
            let value: serde_json::Value = serde_json::from_str(&redacted)
                .unwrap_or_else(|e| panic!("{text} -> {redacted}: {e}"));
            assert!(value.to_string().contains("<redacted>"));
        }
    }
}
