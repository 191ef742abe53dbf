//! Tokens from the environment, checked before anything connects, with messages that say
//! which variable and which kind of token is expected. A token's value is never printed.

use anyhow::bail;
use slackline::{Token, TokenKind};

pub const APP_TOKEN_VAR: &str = "SLACK_APP_TOKEN";
pub const BOT_TOKEN_VAR: &str = "SLACK_BOT_TOKEN";

fn kind_name(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::App => "an app-level token (xapp-)",
        TokenKind::Bot => "a bot token (xoxb-)",
        TokenKind::User => "a user token (xoxp-)",
        _ => "a value that is not a Slack token",
    }
}

/// The token for Socket Mode (`rtm == false`) or RTM, from its environment variable.
pub fn from_env(rtm: bool) -> anyhow::Result<String> {
    let (var, expected, fits): (&str, &str, &[TokenKind]) = if rtm {
        (
            BOT_TOKEN_VAR,
            "a bot (xoxb-) or user (xoxp-) token",
            &[TokenKind::Bot, TokenKind::User],
        )
    } else {
        (
            APP_TOKEN_VAR,
            "an app-level token (xapp-)",
            &[TokenKind::App],
        )
    };
    let value = std::env::var(var).unwrap_or_default();
    let value = value.trim();
    if value.is_empty() {
        let hint = if rtm {
            "RTM (--rtm) needs SLACK_BOT_TOKEN"
        } else {
            "Socket Mode needs SLACK_APP_TOKEN (for RTM, use --rtm with SLACK_BOT_TOKEN)"
        };
        bail!("{var} is not set: {hint}, {expected}");
    }
    // A token goes into the `Authorization` header: a newline or a control character in it
    // (a quoting mistake) makes every request fail before it is sent, forever.
    if let Some((at, _)) = value.char_indices().find(|(_, c)| !c.is_ascii_graphic()) {
        bail!(
            "{var} holds a character that cannot be sent in an HTTP header (a space, a control \
             character such as a newline, or a non-ASCII character, at byte {at}): check how \
             the variable was set"
        );
    }
    let kind = Token::new(value).kind();
    if !fits.contains(&kind) {
        let hint = match (rtm, kind) {
            (false, TokenKind::Bot | TokenKind::User) => {
                "; for a bot token, use --rtm with SLACK_BOT_TOKEN"
            }
            (true, TokenKind::App) => {
                "; for an app-level token, use Socket Mode (no --rtm) with SLACK_APP_TOKEN"
            }
            _ => "",
        };
        bail!(
            "{var} holds {}, but {} needs {expected}{hint}",
            kind_name(kind),
            if rtm { "RTM" } else { "Socket Mode" }
        );
    }
    Ok(value.to_owned())
}
