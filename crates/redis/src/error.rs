//! Errors, with Redis URLs shown without their password.

use crate::target::RedisTarget;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Redis URL is not one this crate takes.
    #[error("bad Redis URL {url}: {reason}")]
    Url {
        /// The URL, password redacted.
        url: String,
        /// Why.
        reason: String,
    },
    /// Redis refused or failed a command, or could not be reached.
    #[error("Redis at {target}: {detail}")]
    Redis {
        /// The server, password redacted.
        target: String,
        /// What Redis or the connection said.
        detail: String,
    },
    /// The client core refused the configuration.
    #[error(transparent)]
    Client(#[from] slackline_client::Error),
}

impl Error {
    pub(crate) fn redis(target: &RedisTarget, error: redis::RedisError) -> Self {
        Error::Redis {
            target: target.to_string(),
            // The redis crate's messages name commands and codes, never the URL; redacted
            // all the same, in case a future version does.
            detail: crate::target::redact(&error.to_string()),
        }
    }
}
