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
//! `run()` can be awaited from `smol::block_on` or any other executor.

use std::io;
use std::time::Instant;

use smol::net::TcpStream;

pub use slackline_driver::{
    slackline, AckError, ApiError, ApiResponse, BoxFuture, ClientBuilder, ClientHandle, Envelope,
    EnvelopeType, Error, Event, EventStream, LateAckPolicy, Proxy, ProxyError, Responder, RtmError,
    RtmEvent, RtmHandle, RtmRoutes, Runtime, Sent, SocketModeRoutes, StopReason, TlsConfig,
    UrlError, WebClientBuilder,
};

/// smol as a [`Runtime`]: `smol::net` sockets, `async-io` timers, the global executor.
#[derive(Clone, Copy, Debug, Default)]
pub struct SmolRuntime;

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
        smol::spawn(task).detach();
    }
}

/// A Socket Mode client on smol.
pub type SocketModeClient = slackline_driver::SocketModeClient<SmolRuntime>;
/// An RTM client on smol.
pub type RtmClient = slackline_driver::RtmClient<SmolRuntime>;
/// A Web API client on smol.
pub type WebClient = slackline_driver::WebClient<SmolRuntime>;
