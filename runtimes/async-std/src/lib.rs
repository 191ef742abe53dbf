//! # slackline on async-std
//!
//! **async-std is deprecated upstream** (its maintainers point to smol, on which it is
//! built). This crate stays as small as the others so existing async-std programs can use
//! slackline; new code should use `slackline-smol`, which behaves the same.
//!
//! ```no_run
//! use slackline_async_std::SocketModeClient;
//!
//! #[async_std::main]
//! async fn main() -> Result<(), slackline_async_std::Error> {
//!     let client = SocketModeClient::builder(std::env::var("SLACK_APP_TOKEN").unwrap_or_default())
//!         .on_event("app_mention", |envelope, _| async move {
//!             println!("mentioned in {:?}", envelope.event_id());
//!         })
//!         .build()?;
//!     client.run().await
//! }
//! ```

#![warn(missing_docs, unreachable_pub)]

use std::io;
use std::time::Instant;

use async_std::net::TcpStream;

/// Typed routing, handler helpers and the typed payloads (`slackline-client`, `slackline-types`).
pub use slackline_async_driver::{
    listen, types, BlockAction, HandlerCounts, HandlerStats, Listen, Pattern, Regex, Say,
};
pub use slackline_async_driver::{
    slackline, AckError, ApiError, ApiResponse, BoxFuture, ClientBuilder, ClientHandle, Envelope,
    EnvelopeType, Error, Event, EventStream, LateAckPolicy, Proxy, ProxyError, Responder, RtmError,
    RtmEvent, RtmHandle, Runtime, Sent, StopReason, TlsConfig, UrlError, WebClientBuilder,
};

/// async-std as a [`Runtime`]: `async_std::net` sockets, its timers, and its task pool unless
/// [`AsyncStdRuntime::local`] keeps the client's tasks on one thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncStdRuntime {
    local: bool,
}

impl AsyncStdRuntime {
    /// Spawns the client's tasks (the drive loop, the handler dispatcher, handlers that wait)
    /// on the executor of the thread that awaits `client.run()` instead of the task pool: run
    /// it inside `async_std::task::block_on` (or `#[async_std::main]`) and the loop, its
    /// handlers and the reactor share that thread, so no wake-up crosses threads on an
    /// envelope's way (with the pool, every frame went from the thread that saw the socket
    /// ready to a pool thread). Handlers then share the thread too: one that computes for long
    /// delays everything, as on any single-threaded executor.
    pub fn local() -> Self {
        AsyncStdRuntime { local: true }
    }
}

impl Runtime for AsyncStdRuntime {
    type Tcp = TcpStream;

    fn connect_tcp(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Self::Tcp>> {
        let host = host.to_owned();
        Box::pin(async move {
            let stream = TcpStream::connect((host.as_str(), port)).await?;
            stream.set_nodelay(true)?;
            Ok(stream)
        })
    }

    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()> {
        Box::pin(async_std::task::sleep(
            deadline.saturating_duration_since(Instant::now()),
        ))
    }

    fn spawn(&self, task: BoxFuture<'static, ()>) {
        // Dropping the handle detaches the task.
        if self.local {
            drop(async_std::task::spawn_local(task));
        } else {
            drop(async_std::task::spawn(task));
        }
    }
}

/// A Socket Mode client on async-std.
pub type SocketModeClient = slackline_async_driver::SocketModeClient<AsyncStdRuntime>;
/// An RTM client on async-std.
pub type RtmClient = slackline_async_driver::RtmClient<AsyncStdRuntime>;
/// A Web API client on async-std.
pub type WebClient = slackline_async_driver::WebClient<AsyncStdRuntime>;
/// What a typed handler gets beside its payload on async-std: `ack`, `ack_with`, `respond`,
/// `say` (each a future), the [`WebClient`].
pub type Context = slackline_async_driver::Context<AsyncStdRuntime>;
/// The pages of a paginated Web API method, as a `Stream` (from [`WebClient`]'s `paginate`).
pub type Pages<M> = slackline_async_driver::Pages<AsyncStdRuntime, M>;
