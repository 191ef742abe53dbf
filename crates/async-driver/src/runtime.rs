//! What the drive loop needs from an async runtime, and nothing more (after quinn's `runtime/`).
//!
//! Everything above this trait (TLS, WebSockets, HTTP, the loop, handlers) is written once over
//! `futures-io` streams; a runtime crate implements these four methods and is done.

use std::fmt;
use std::io;
use std::time::Instant;

use futures_io::{AsyncRead, AsyncWrite};
use slackline::{Envelope, RtmEvent};

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

    /// Called for every envelope and RTM event handed to the handlers, as its handler starts
    /// (`routed`: a handler was found; if not, what this returns is ignored). What it returns
    /// wraps the handler's future. Nothing by default; a runtime with [`Hooks`] asks them, so
    /// that a test harness sees which handlers ran, what they called and how they ended.
    fn watch_handler(&self, work: Dispatched<'_>, routed: bool) -> Option<WrapHandler> {
        let _ = (work, routed);
        None
    }
}

/// What a handler was called for; see [`Runtime::watch_handler`].
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Dispatched<'a> {
    /// A Socket Mode envelope.
    Envelope(&'a Envelope),
    /// An RTM event.
    Rtm(&'a RtmEvent),
}

/// Wraps a handler's future (see [`Runtime::watch_handler`]).
pub type WrapHandler = Box<dyn FnOnce(BoxFuture<'static, ()>) -> BoxFuture<'static, ()> + Send>;

/// Any async byte stream the driver can speak over.
pub trait AsyncIo: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> AsyncIo for T {}

/// An async byte stream, boxed.
pub type BoxedIo = Box<dyn AsyncIo>;

/// What a test harness puts under a runtime: connections opened in its place (an in-memory
/// network instead of TCP) and a look at every handler call. A runtime that takes hooks
/// (`TokioRuntime::with_hooks`) opens every connection, Web API calls and WebSockets alike,
/// through [`connect`](Self::connect) and asks [`watch_handler`](Self::watch_handler) for
/// every handler; everything above TCP (TLS, HTTP, WebSockets, the drive loop) stays the same.
/// `slackline-bot-test` is such a harness.
pub trait Hooks: Send + Sync + fmt::Debug + 'static {
    /// Opens a connection to `host:port` in place of the runtime's TCP. Called from the task
    /// that connects (a handler's, for its Web API calls), before the returned future is
    /// polled.
    fn connect(&self, host: &str, port: u16) -> BoxFuture<'static, io::Result<BoxedIo>>;

    /// As [`Runtime::watch_handler`].
    fn watch_handler(&self, work: Dispatched<'_>, routed: bool) -> Option<WrapHandler> {
        let _ = (work, routed);
        None
    }
}
