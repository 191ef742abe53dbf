//! # slackline on tokio
//!
//! The tokio [`Runtime`] for `slackline-driver`, and the clients with it filled in:
//!
//! ```no_run
//! use slackline_tokio::SocketModeClient;
//!
//! # async fn app() -> Result<(), slackline_tokio::Error> {
//! let client = SocketModeClient::builder(std::env::var("SLACK_APP_TOKEN").unwrap_or_default())
//!     .on_event("app_mention", |envelope, _| async move {
//!         println!("mentioned in {:?}", envelope.event_id());
//!     })
//!     .build()?;
//! let handle = client.handle();
//! tokio::spawn(async move {
//!     let _ = tokio::signal::ctrl_c().await;
//!     handle.shutdown().await;
//! });
//! client.run().await
//! # }
//! ```
//!
//! The clients spawn their tasks with `tokio::spawn`: run them inside a tokio runtime with the
//! `time` and `net` drivers enabled (as `#[tokio::main]` does).

#![warn(missing_docs, unreachable_pub)]

use std::io;
use std::time::Instant;

use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncReadCompatExt};

/// Typed routing, handler helpers and the typed payloads (`slackline-client`, `slackline-types`).
pub use slackline_async_driver::{
    listen, types, BlockAction, HandlerCounts, HandlerStats, Listen, Pattern, Regex, Say,
};
pub use slackline_async_driver::{
    slackline, AckError, ApiError, ApiResponse, BoxFuture, ClientBuilder, ClientHandle, Envelope,
    EnvelopeType, Error, Event, EventStream, LateAckPolicy, Proxy, ProxyError, Responder, RtmError,
    RtmEvent, RtmHandle, Runtime, Sent, StopReason, TlsConfig, TranscriptSink, UrlError,
    WebClientBuilder,
};

/// tokio as a [`Runtime`]: `tokio::net` sockets, `tokio::time` sleeps, `tokio::spawn`.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioRuntime;

impl Runtime for TokioRuntime {
    type Tcp = Compat<TcpStream>;

    fn connect_tcp(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Self::Tcp>> {
        let host = host.to_owned();
        Box::pin(async move {
            let stream = TcpStream::connect((host.as_str(), port)).await?;
            stream.set_nodelay(true)?;
            Ok(stream.compat())
        })
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep_until(deadline.into()))
    }

    fn spawn(&self, task: BoxFuture<'static, ()>) {
        tokio::spawn(task);
    }
}

/// A Socket Mode client on tokio.
pub type SocketModeClient = slackline_async_driver::SocketModeClient<TokioRuntime>;
/// An RTM client on tokio.
pub type RtmClient = slackline_async_driver::RtmClient<TokioRuntime>;
/// A Web API client on tokio.
pub type WebClient = slackline_async_driver::WebClient<TokioRuntime>;
/// What a typed handler gets beside its payload on tokio: `ack`, `ack_with`, `respond`,
/// `say` (each a future), the [`WebClient`].
pub type Context = slackline_async_driver::Context<TokioRuntime>;
/// The pages of a paginated Web API method, as a `Stream` (from [`WebClient`]'s `paginate`).
pub type Pages<M> = slackline_async_driver::Pages<TokioRuntime, M>;
