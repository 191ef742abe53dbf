//! The error `run()` and the builders return.

use slackline::{ApiError, ConfigError, StopReason};

use crate::proxy::ProxyError;
use crate::target::UrlError;

/// Why a client could not be built, or why it stopped other than by shutdown. The large
/// payloads are boxed so `Result<(), Error>` stays small.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The session configuration was refused (token kind, connection count, durations...).
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// The API URL is not usable (plain text to a non-loopback host, bad scheme...).
    #[error(transparent)]
    Url(#[from] UrlError),
    /// The proxy URL (explicit or from `HTTPS_PROXY`) is not usable.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// The TLS configuration could not be built.
    #[error("TLS setup failed: {0}")]
    Tls(#[from] rustls::Error),
    /// Slack refused the token or the app for good (`invalid_auth`, `token_revoked`, ...).
    #[error("Slack refused the session: {0}")]
    Fatal(Box<ApiError>),
    /// Socket Mode was turned off for the app (`disconnect` with `link_disabled`).
    #[error("Socket Mode is disabled for this app (disconnect: link_disabled)")]
    LinkDisabled,
    /// The session stopped for a reason this version does not name.
    #[error("the session stopped: {0}")]
    Stopped(Box<StopReason>),
    /// The runtime dropped the client's task before the session stopped (it is shutting down).
    #[error("the runtime dropped the client's task before the session stopped")]
    TaskLost,
}

impl Error {
    /// `Ok` for a shutdown the app asked for, the matching error otherwise.
    pub fn from_stop(reason: StopReason) -> Result<(), Error> {
        match reason {
            StopReason::Shutdown => Ok(()),
            StopReason::Fatal(error) => Err(Error::Fatal(Box::new(error))),
            StopReason::LinkDisabled => Err(Error::LinkDisabled),
            other => Err(Error::Stopped(Box::new(other))),
        }
    }

    /// Whether Slack ended the session for good (as opposed to a build error).
    pub fn is_fatal_stop(&self) -> bool {
        matches!(
            self,
            Error::Fatal(_) | Error::LinkDisabled | Error::Stopped(_)
        )
    }
}
