//! # slackline-client: the client core under every slackline driver
//!
//! The [`slackline`] core is a sans-IO state machine; a driver runs it on sockets, a clock and
//! threads or tasks. What every driver does alike is written here once, with no async stack:
//!
//! - [`ClientBuilder`]: the settings, the handlers, the checks made before connecting, for
//!   any driver family ([`Kind`]: async runtimes in `slackline-async-driver`, plain threads in
//!   `slackline-blocking`);
//! - the handler tables, untyped ([`SocketModeRoutes`]) and typed like Bolt's ([`listen`]:
//!   by event type, message subtype and text, `action_id` / `block_id`, `callback_id`, command),
//!   each typed handler getting its payload (`slackline-types`) and a [`Context`] (`ack`,
//!   `ack_with`, `respond`, `say`); [`HandlerStats`] counts what became of them;
//! - the [`WebClient`]: typed Web API calls from `slackline_types::web`, pagination
//!   ([`Pager`]), 429s waited out per method ([`Exchange`]);
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
mod context;
mod error;
mod host;
mod http;
pub mod listen;
mod proxy;
mod routes;
mod rtm;
mod stats;
mod tap;
mod target;
mod tls;
mod web;
mod websocket;

pub use builder::{
    BoxFuture, Call, ClientBuilder, ClientParts, Concurrency, EnvelopeHandler, IntoTask, Kind,
    Routed, RtmHandler, SocketModeDispatch, DEFAULT_CLOSE_TIMEOUT, DEFAULT_HANDLER_QUEUE,
};
pub use claim::{Claim, ClaimKey, ClaimStats, ClaimStore, SharedDedupe};
pub use clock::Clock;
pub use command::{Command, Reply};
pub use context::{Context, Say};
pub use error::Error;
pub use host::{Carrier, Frame, Observer, SessionHost, Stuck};
pub use http::{http_input, HttpFailure, HttpPost};
pub use listen::{BlockAction, Listen, Pattern};
pub use proxy::{Proxy, ProxyChoice, ProxyEndpoint, ProxyError};
pub use regex::Regex;
pub use routes::{RtmRoutes, SocketModeRoutes, Work};
pub use rtm::{RtmError, Sent};
/// The typed payloads, Block Kit and Web API types (`slackline-types`).
pub use slackline_types as types;
pub use stats::{HandlerCounts, HandlerOutput, HandlerStats};
pub use tap::TranscriptSink;
pub use target::{check, Protocol, Target, UrlError};
pub use tls::TlsConfig;
pub use web::{
    Exchange, Pager, RetryPolicy, Step, Transport, WebClient, WebClientBuilder,
    DEFAULT_MAX_RETRY_WAIT, DEFAULT_RATE_LIMIT_RETRIES,
};
pub use websocket::{websocket_config, READ_AHEAD};
