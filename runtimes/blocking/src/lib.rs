//! # slackline without an async runtime
//!
//! The same [`slackline`] `Session` as the async drivers, run on plain threads for programs
//! without an executor (as python-slack-sdk's builtin client serves them):
//!
//! - **one loop thread** (the one that calls `run()`) owns the `Session`; it waits on its
//!   channels with a deadline, the session's `poll_timeout()`, feeds one input and carries
//!   out the actions;
//! - **one thread per WebSocket** (tungstenite's blocking API over rustls, `ring` provider,
//!   certificates verified) writes what the loop queues and feeds what it reads into a bounded
//!   channel; Web API requests run on short-lived threads (HTTP/1.1 by ureq-proto over the same
//!   TCP/TLS/proxy route);
//! - **a fixed pool of handler threads** runs your plain functions from a bounded queue; when
//!   it is full the loop stops taking input and back-pressure reaches TCP, while timers and
//!   acks keep going.
//!
//! Protocol decisions stay in the core; the URL, TLS and proxy rules are `slackline-driver`'s.
//!
//! ```no_run
//! use slackline_blocking::SocketModeClient;
//!
//! fn main() -> Result<(), slackline_blocking::Error> {
//!     let client = SocketModeClient::builder(std::env::var("SLACK_APP_TOKEN").unwrap_or_default())
//!         .on_event("app_mention", |envelope, _responder| {
//!             println!("mentioned in {:?}", envelope.event_id());
//!         })
//!         .on_command("/echo", |envelope, responder| {
//!             let text = envelope
//!                 .payload::<serde_json::Value>()
//!                 .ok()
//!                 .and_then(|p| p["text"].as_str().map(str::to_owned))
//!                 .unwrap_or_default();
//!             let _ = responder.ack_with(&serde_json::json!({ "text": text }));
//!         })
//!         .build()?;
//!     let handle = client.handle(); // handle.shutdown() from any thread
//!     client.run() // blocks until shutdown or a fatal stop
//! }
//! ```

#![warn(missing_docs, unreachable_pub)]

mod client;
mod command;
mod dispatch;
mod driver;
mod http;
mod http1;
mod net;
mod responder;
mod rtm_handle;
mod tracker;
mod web;
mod websocket;

pub use client::{
    Blocking, Events, RtmBuilder, RtmClient, SocketModeBuilder, SocketModeClient,
    DEFAULT_CONCURRENCY,
};
pub use command::ClientHandle;
pub use http::HttpClient;
pub use responder::Responder;
pub use rtm_handle::RtmHandle;
pub use slackline_client::{
    listen, types, BlockAction, ClientBuilder, Error, HandlerCounts, HandlerStats, Listen, Pattern,
    Proxy, ProxyError, Regex, RtmError, Say, Sent, TlsConfig, TranscriptSink, UrlError,
    DEFAULT_CLOSE_TIMEOUT, DEFAULT_HANDLER_QUEUE, DEFAULT_MAX_RETRY_WAIT,
    DEFAULT_RATE_LIMIT_RETRIES,
};
pub use web::{Pages, WebClient, WebClientBuilder};

/// What a typed handler gets beside its payload: `ack`, `ack_with`, `respond`, `say` (each a
/// blocking call), the [`WebClient`]. See [`slackline_client::Context`].
pub type Context = slackline_client::Context<Blocking>;

/// The core crate, for its types (`Envelope`, `Event`, `StopReason`, `ApiError`, ...).
pub use slackline;
pub use slackline::{
    AckError, ApiError, ApiResponse, Envelope, EnvelopeType, Event, LateAckPolicy, RtmEvent,
    StopReason,
};
