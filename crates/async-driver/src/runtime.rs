//! What the drive loop needs from an async runtime, and nothing more (after quinn's `runtime/`).
//!
//! Everything above this trait (TLS, WebSockets, HTTP, the loop, handlers) is written once over
//! `futures-io` streams; a runtime crate implements these four methods and is done.

use std::fmt;
use std::io;
use std::time::Instant;

use futures_io::{AsyncRead, AsyncWrite};

pub use slackline_client::BoxFuture;

/// An async runtime as the driver sees it: connect TCP, sleep, spawn, and read the clock.
pub trait Runtime: Clone + Send + Sync + fmt::Debug + 'static {
    /// A connected TCP stream in `futures-io` form.
    type Tcp: AsyncRead + AsyncWrite + Send + Unpin + 'static;

    /// Resolves `host` and connects to `port`, with `TCP_NODELAY` set: acks and pongs are
    /// small frames that must not wait for Nagle's algorithm.
    fn connect_tcp(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<Self::Tcp>>;

    /// A future that completes at `deadline` (at once if it has passed).
    fn sleep_until(&self, deadline: Instant) -> BoxFuture<'static, ()>;

    /// Runs `task` in the background; it must not be tied to the caller's lifetime.
    fn spawn(&self, task: BoxFuture<'static, ()>);

    /// The current time. Overridable so tests could simulate time.
    fn now(&self) -> Instant {
        Instant::now()
    }
}
