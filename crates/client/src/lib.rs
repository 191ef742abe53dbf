//! # slackline-client: the client core under every slackline driver
//!
//! The [`slackline`] core is a sans-IO state machine; a driver runs it on sockets, a clock and
//! threads or tasks. What every driver does alike is written here once, with no async stack:
//!
//! - [`ClientBuilder`]: the settings, the handlers, the checks made before connecting, for
//!   any driver family ([`Kind`]: async runtimes in `slackline-async-driver`, plain threads in
//!   `slackline-blocking`);
//! - [`SessionHost`]: feeding inputs and application [`Command`]s to the session, carrying out
//!   its actions through the driver's [`Carrier`], handing envelopes to the handlers,
//!   recording transcripts, logging lifecycle events;
//! - the transport rules: TLS everywhere but loopback ([`check`]), proxies ([`Proxy`]), TLS
//!   settings ([`TlsConfig`]), WebSocket limits, Web API retries.
//!
//! Applications use it through the runtime crates (`slackline-tokio`, `slackline-smol`,
//! `slackline-async-std`, `slackline-blocking`), which re-export what they need.

#![warn(missing_docs, unreachable_pub)]

mod builder;
mod claim;
mod clock;
mod command;
mod error;
mod host;
mod http;
mod proxy;
mod routes;
mod rtm;
mod tap;
mod target;
mod tls;
mod web;
mod websocket;

pub use builder::{
    BoxFuture, ClientBuilder, ClientParts, Concurrency, EnvelopeHandler, IntoTask, Kind,
    RtmHandler, DEFAULT_CLOSE_TIMEOUT, DEFAULT_HANDLER_QUEUE,
};
pub use claim::{Claim, ClaimKey, ClaimStats, ClaimStore, SharedDedupe};
pub use clock::Clock;
pub use command::{Command, Reply};
pub use error::Error;
pub use host::{Carrier, Frame, Observer, SessionHost, Stuck};
pub use http::{http_input, HttpFailure};
pub use proxy::{Proxy, ProxyChoice, ProxyEndpoint, ProxyError};
pub use routes::{RtmRoutes, SocketModeRoutes, Work};
pub use rtm::{RtmError, Sent};
pub use tap::TranscriptSink;
pub use target::{check, Protocol, Target, UrlError};
pub use tls::TlsConfig;
pub use web::{RetryPolicy, DEFAULT_MAX_RETRY_WAIT, DEFAULT_RATE_LIMIT_RETRIES};
pub use websocket::{websocket_config, READ_AHEAD};
