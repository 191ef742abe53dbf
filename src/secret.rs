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
pub fn redact_tokens(text: &str) -> Cow<'_, str> {
    let Some(first) = find_token(text, 0) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut next = Some(first);
    while let Some(start) = next {
        let prefix_end = start + 5;
        let end = text[prefix_end..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_'))
            .map_or(text.len(), |i| prefix_end + i);
        out.push_str(&text[copied..prefix_end]);
        out.push_str("<redacted>");
        copied = end;
        next = find_token(text, end);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

fn find_token(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i + 5 <= bytes.len() {
        // A prefix glued to other text still counts: a missed token costs far more than an
        // over-redacted word.
        if bytes[i] == b'x'
            && TOKEN_PREFIXES
                .iter()
                .any(|p| p.as_bytes() == &bytes[i..i + 5])
        {
            return Some(i);
        }
        i += 1;
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
        assert_eq!(redact_tokens("ünïcödé xoxb-é"), "ünïcödé xoxb-<redacted>é");
    }
}
