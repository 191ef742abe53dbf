//! # slackline on smol
//!
//! The smol [`Runtime`] for `slackline-driver`, and the clients with it filled in:
//!
//! ```no_run
//! use slackline_smol::SocketModeClient;
//!
//! fn main() -> Result<(), slackline_smol::Error> {
//!     smol::block_on(async {
//!         let client = SocketModeClient::builder(std::env::var("SLACK_APP_TOKEN").unwrap_or_default())
//!             .on_event("app_mention", |envelope, _| async move {
//!                 println!("mentioned in {:?}", envelope.event_id());
//!             })
//!             .build()?;
//!         client.run().await
//!     })
//! }
//! ```
//!
//! Tasks go to smol's global executor (`smol::spawn`), which runs on its own threads, so
//! `run()` can be awaited from `smol::block_on` or any other executor. For the lowest latency,
//! give the client an executor of your own and drive it on the waiting thread, so that no
//! wake-up crosses threads (at 1000 envelopes/s: p50 91 → 79 µs, p99 202 → 198 µs):
//!
//! ```no_run
//! use std::sync::Arc;
//! use slackline_smol::{SmolRuntime, SocketModeClient};
//!
//! fn main() -> Result<(), slackline_smol::Error> {
//!     let executor = Arc::new(smol::Executor::new());
//!     let client = SocketModeClient::builder_on(SmolRuntime::on(executor.clone()), "xapp-…")
//!         .on_event("app_mention", |_, _| async {})
//!         .build()?;
//!     smol::block_on(executor.run(client.run()))
//! }
//! ```

#![warn(missing_docs, unreachable_pub)]

use std::io;
use std::sync::Arc;
use std::time::Instant;

use smol::net::TcpStream;
use smol::Executor;

/// Typed routing, handler helpers and the typed payloads (`slackline-client`, `slackline-types`).
pub use slackline_async_driver::{
    listen, types, BlockAction, HandlerCounts, HandlerStats, Listen, Pattern, Regex, Say,
};
pub use slackline_async_driver::{
    slackline, AckError, ApiError, ApiResponse, BoxFuture, ClientBuilder, ClientHandle, Envelope,
    EnvelopeType, Error, Event, EventStream, LateAckPolicy, Proxy, ProxyError, Responder, RtmError,
    RtmEvent, RtmHandle, Runtime, Sent, StopReason, TlsConfig, UrlError, WebClientBuilder,
};

/// smol as a [`Runtime`]: `smol::net` sockets, `async-io` timers, and the global executor
/// unless [`SmolRuntime::on`] names one.
#[derive(Clone, Debug, Default)]
pub struct SmolRuntime {
    executor: Option<Arc<Executor<'static>>>,
}

impl SmolRuntime {
    /// Spawns the client's tasks (the drive loop, the handler dispatcher, handlers that wait)
    /// on `executor` instead of the global one. Run it on the thread that waits for the client,
    /// `smol::block_on(executor.run(client.run()))`, and the loop, its handlers and the reactor
    /// share one thread: no wake-up crosses threads on an envelope's way (the global executor
    /// runs on a thread of its own, beside the one that drives the reactor).
    pub fn on(executor: Arc<Executor<'static>>) -> Self {
        SmolRuntime {
            executor: Some(executor),
        }
    }
}

impl Runtime for SmolRuntime {
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
        let timer = smol::Timer::at(deadline);
        Box::pin(async move {
            timer.await;
        })
    }

    fn spawn(&self, task: BoxFuture<'static, ()>) {
        match &self.executor {
            Some(executor) => executor.spawn(task).detach(),
            None => smol::spawn(task).detach(),
        }
    }
}

/// A Socket Mode client on smol.
pub type SocketModeClient = slackline_async_driver::SocketModeClient<SmolRuntime>;
/// An RTM client on smol.
pub type RtmClient = slackline_async_driver::RtmClient<SmolRuntime>;
/// A Web API client on smol.
pub type WebClient = slackline_async_driver::WebClient<SmolRuntime>;
/// What a typed handler gets beside its payload on smol: `ack`, `ack_with`, `respond`,
/// `say` (each a future), the [`WebClient`].
pub type Context = slackline_async_driver::Context<SmolRuntime>;
/// The pages of a paginated Web API method, as a `Stream` (from [`WebClient`]'s `paginate`).
pub type Pages<M> = slackline_async_driver::Pages<SmolRuntime, M>;
