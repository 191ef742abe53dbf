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
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use slackline_async_driver::{BoxedIo, Dispatched, Hooks, WrapHandler};
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

/// tokio as a [`Runtime`]: `tokio::net` sockets, `tokio::time` sleeps and clock, `tokio::spawn`.
///
/// The clock is tokio's, so a runtime whose time is paused (`tokio::time::pause`, a test's
/// virtual time) pauses the client's timers and deadlines too. With
/// [`with_hooks`](Self::with_hooks), connections are opened by the hooks instead of TCP (the
/// in-memory Slack of `slackline-bot-test`).
#[derive(Clone, Debug, Default)]
pub struct TokioRuntime {
    hooks: Option<Arc<dyn Hooks>>,
}

/// The plain tokio runtime, as a value (`TokioRuntime` was a unit struct; code that names it
/// as a value keeps working).
#[allow(non_upper_case_globals)]
pub const TokioRuntime: TokioRuntime = TokioRuntime { hooks: None };

impl TokioRuntime {
    /// A runtime whose connections are opened by `hooks` (and whose handlers they watch):
    /// what a test harness runs a client on.
    pub fn with_hooks(hooks: Arc<dyn Hooks>) -> Self {
        TokioRuntime { hooks: Some(hooks) }
    }
}

/// A connection of [`TokioRuntime`](struct@TokioRuntime): TCP, or what its hooks opened.
pub struct TokioStream(Stream);

enum Stream {
    Tcp(Compat<TcpStream>),
    Hooked(BoxedIo),
}

impl std::fmt::Debug for TokioStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Stream::Tcp(_) => "TokioStream::Tcp",
            Stream::Hooked(_) => "TokioStream::Hooked",
        })
    }
}

impl futures_io::AsyncRead for TokioStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.0 {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Hooked(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl futures_io::AsyncWrite for TokioStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.0 {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Hooked(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.0 {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Hooked(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_close(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.0 {
            Stream::Tcp(s) => Pin::new(s).poll_close(cx),
            Stream::Hooked(s) => Pin::new(s).poll_close(cx),
        }
    }
}

impl Runtime for TokioRuntime {
    type Tcp = TokioStream;

    fn connect_tcp(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Self::Tcp>> {
        if let Some(hooks) = &self.hooks {
            // Called here, on the connecting task, not in the future: hooks may look at who
            // connects.
            let connecting = hooks.connect(host, port);
            return Box::pin(async move { Ok(TokioStream(Stream::Hooked(connecting.await?))) });
        }
        let host = host.to_owned();
        Box::pin(async move {
            let stream = TcpStream::connect((host.as_str(), port)).await?;
            stream.set_nodelay(true)?;
            Ok(TokioStream(Stream::Tcp(stream.compat())))
        })
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep_until(deadline.into()))
    }

    fn spawn(&self, task: BoxFuture<'static, ()>) {
        tokio::spawn(task);
    }

    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn watch_handler(&self, work: Dispatched<'_>, routed: bool) -> Option<WrapHandler> {
        self.hooks.as_ref()?.watch_handler(work, routed)
    }
}

/// A Socket Mode client on tokio.
pub type SocketModeClient = slackline_async_driver::SocketModeClient<TokioRuntime>;
/// An RTM client on tokio.
pub type RtmClient = slackline_async_driver::RtmClient<TokioRuntime>;
/// A Web API client on tokio.
pub type WebClient = slackline_async_driver::WebClient<TokioRuntime>;
/// The builder of a [`SocketModeClient`] (what a function that adds a bot's handlers takes and
/// returns).
pub type SocketModeBuilder = slackline_async_driver::SocketModeBuilder<TokioRuntime>;
/// The builder of an [`RtmClient`].
pub type RtmBuilder = slackline_async_driver::RtmBuilder<TokioRuntime>;
/// What a typed handler gets beside its payload on tokio: `ack`, `ack_with`, `respond`,
/// `say` (each a future), the [`WebClient`].
pub type Context = slackline_async_driver::Context<TokioRuntime>;
/// The pages of a paginated Web API method, as a `Stream` (from [`WebClient`]'s `paginate`).
pub type Pages<M> = slackline_async_driver::Pages<TokioRuntime, M>;
