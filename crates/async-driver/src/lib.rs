//! # slackline-driver: one drive loop for every async runtime
//!
//! The [`slackline`] core is a sans-IO state machine. This crate runs it: it opens the
//! WebSockets (async-tungstenite over rustls), makes the Web API requests (hyper over the same
//! stack), keeps the clock, and hands envelopes and events to application handlers. It is
//! written once over the small [`Runtime`] trait; `slackline-tokio`, `slackline-smol` and
//! `slackline-async-std` implement that trait in about forty lines and re-export the clients.
//!
//! ```no_run
//! use slackline_async_driver::{Runtime, SocketModeClient};
//!
//! async fn serve<R: Runtime + Default>() -> Result<(), slackline_async_driver::Error> {
//!     let client = SocketModeClient::<R>::builder("xapp-1-A0-1-secret")
//!         .on_event("app_mention", |envelope, _responder| async move {
//!             println!("mentioned: {:?}", envelope.event_id());
//!         })
//!         .on_command("/echo", |envelope, responder| async move {
//!             let text = envelope
//!                 .payload::<serde_json::Value>()
//!                 .ok()
//!                 .and_then(|p| p["text"].as_str().map(str::to_owned))
//!                 .unwrap_or_default();
//!             let _ = responder.ack_with(&serde_json::json!({ "text": text })).await;
//!         })
//!         .build()?;
//!     client.run().await
//! }
//! ```
//!
//! What the loop guarantees:
//! - **Acks are never held up by application code.** Handlers run on their own tasks (with a
//!   concurrency limit, or one at a time with [`ClientBuilder::ordered`]); the loop hands them
//!   work through a bounded queue and, when it is full, stops reading from Slack rather than
//!   buffering without bound.
//! - **Deadlines come from the clock.** The timer future only wakes the loop; expiry is
//!   decided by comparing the runtime's clock with the session's deadline.
//! - **TLS everywhere.** `ws://` and `http://` are accepted only to loopback addresses.
//! - **Proxies.** `HTTPS_PROXY` / `NO_PROXY` by default, or [`ClientBuilder::proxy`]; every
//!   connection goes through an HTTP CONNECT tunnel with TLS to the real host inside it.
//! - **Tokens stay secret.** They travel in the `Authorization` header only (marked
//!   sensitive), and never appear in logs, `Debug` output or errors.

#![warn(missing_docs, unreachable_pub)]

mod client;
mod command;
mod dispatch;
mod driver;
mod http;
mod hyper_io;
mod link;
mod responder;
mod rtm_handle;
mod runtime;
mod stream;
mod tasks;
mod web;
mod websocket;
mod work_queue;

pub use client::{
    AsyncKind, EventStream, RtmBuilder, RtmClient, SocketModeBuilder, SocketModeClient,
    DEFAULT_CONCURRENCY,
};
pub use command::ClientHandle;
pub use http::HttpClient;
pub use responder::{HeldAck, Responder};
pub use rtm_handle::RtmHandle;
pub use runtime::{AsyncIo, BoxFuture, BoxedIo, Dispatched, Hooks, Runtime, WrapHandler};
pub use slackline_client::{
    listen, types, BlockAction, ClientBuilder, Error, HandlerCounts, HandlerStats, Listen, Pattern,
    Proxy, ProxyError, Regex, RtmError, Say, Sent, TlsConfig, TranscriptSink, UrlError,
    DEFAULT_CLOSE_TIMEOUT, DEFAULT_HANDLER_QUEUE, DEFAULT_MAX_RETRY_WAIT,
    DEFAULT_RATE_LIMIT_RETRIES,
};
pub use web::{Pages, WebClient, WebClientBuilder};

/// What a typed handler gets beside its payload, on runtime `R`: `ack`, `ack_with`,
/// `respond`, `say` (each a future), the [`WebClient`]. See [`slackline_client::Context`].
pub type Context<R> = slackline_client::Context<AsyncKind<R>>;

/// The core crate, for its types (`Envelope`, `Event`, `StopReason`, `ApiError`, ...).
pub use slackline;
pub use slackline::{
    AckError, ApiError, ApiResponse, Envelope, EnvelopeType, Event, LateAckPolicy, RtmEvent,
    StopReason,
};
