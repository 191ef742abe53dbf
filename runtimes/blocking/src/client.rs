//! The app-facing clients: built with the shared [`ClientBuilder`], run on plain threads.

use std::fmt;
use std::time::Duration;

use crossbeam_channel::{Receiver, TrySendError};
use slackline::{AckError, ApiError, ApiResponse, Event};
use slackline_client::types::web::Paginated;
use slackline_client::{
    websocket_config, ClientBuilder, ClientParts, Concurrency, EnvelopeHandler, Error, Exchange,
    HandlerStats, Kind, RtmHandler, RtmRoutes, SocketModeDispatch, SocketModeRoutes, Transport,
};

use crate::command::{ClientHandle, COMMAND_CAPACITY};
use crate::dispatch::{start_pool, Router};
use crate::driver::{Driver, DriverParts};
use crate::http::HttpClient;
use crate::net::Connector;
use crate::responder::Responder;
use crate::rtm_handle::RtmHandle;
use crate::tracker::Tracker;
use crate::web::{Pages, WebClient};
use crate::websocket::WsSetup;

/// Handler threads, by default.
pub const DEFAULT_CONCURRENCY: usize = 10;
/// Lifecycle events buffered for a slow observer before they are dropped.
const EVENT_CAPACITY: usize = 256;

/// The blocking driver family: handlers are plain functions, run on a pool of threads.
#[derive(Debug)]
pub struct Blocking;

impl Kind for Blocking {
    type Runtime = ();
    type Responder = Responder;
    type RtmHandle = RtmHandle;
    type Task = ();
    type SocketModeClient = SocketModeClient;
    type RtmClient = RtmClient;
    const DEFAULT_CONCURRENCY: usize = DEFAULT_CONCURRENCY;
    type Io<T: Send + 'static> = T;
    type Http = HttpClient;
    type Pages<M>
        = Pages<M>
    where
        M: Paginated + Send + Sync + 'static,
        M::Response: Send + 'static;

    fn socket_mode(parts: ClientParts<Self, SocketModeDispatch<Self>>) -> SocketModeClient {
        SocketModeClient {
            core: ClientCore::new(parts, Router::SocketMode),
        }
    }

    fn rtm(parts: ClientParts<Self, RtmRoutes<RtmHandler<Self>>>) -> RtmClient {
        RtmClient {
            core: ClientCore::new(parts, Router::Rtm),
        }
    }

    fn http((): (), transport: Transport) -> HttpClient {
        HttpClient {
            connector: Connector {
                tls: transport.tls,
                proxy: transport.proxy,
            },
            timeout: transport.timeout,
        }
    }

    fn exchange(http: &HttpClient, exchange: Exchange) -> Result<ApiResponse, ApiError> {
        crate::web::exchange(http, exchange)
    }

    fn ack(mut responder: Responder, payload: Option<String>) -> Result<(), AckError> {
        responder.send(payload)
    }

    fn ready<T: Send + 'static>(value: T) -> T {
        value
    }

    fn map<T: Send + 'static, U: Send + 'static>(
        io: T,
        f: impl FnOnce(T) -> U + Send + 'static,
    ) -> U {
        f(io)
    }

    fn then<T: Send + 'static, U: Send + 'static>(
        io: T,
        f: impl FnOnce(T) -> U + Send + 'static,
    ) -> U {
        f(io)
    }

    fn pages<M>(web: WebClient, request: M) -> Pages<M>
    where
        M: Paginated + Send + Sync + 'static,
        M::Response: Send + 'static,
    {
        Pages::new(web, request)
    }
}

/// The builder of a [`SocketModeClient`].
pub type SocketModeBuilder = ClientBuilder<Blocking, SocketModeRoutes<EnvelopeHandler<Blocking>>>;
/// The builder of an [`RtmClient`].
pub type RtmBuilder = ClientBuilder<Blocking, RtmRoutes<RtmHandler<Blocking>>>;

/// What both clients share: a session not yet started and the plumbing around it.
struct ClientCore {
    parts: ClientParts<Blocking, ()>,
    router: Router,
    handle: ClientHandle,
    commands: Receiver<slackline_client::Command>,
}

impl ClientCore {
    fn new<Routes>(
        parts: ClientParts<Blocking, Routes>,
        router: impl FnOnce(Routes) -> Router,
    ) -> Self {
        let (parts, routes) = parts.split_routes();
        let (commands_tx, commands) = crossbeam_channel::bounded(COMMAND_CAPACITY);
        ClientCore {
            parts,
            router: router(routes),
            handle: ClientHandle {
                commands: commands_tx,
            },
            commands,
        }
    }

    fn events(&mut self) -> Events {
        let (tx, rx) = crossbeam_channel::bounded(EVENT_CAPACITY);
        self.parts.host.observe(Box::new(move |event| {
            // Observation is best effort: a slow observer loses events, never stalls the loop.
            if let Err(TrySendError::Full(_)) = tx.try_send(event) {
                tracing::debug!("event observer lagging; event dropped");
            }
        }));
        Events(rx)
    }

    fn run(self, protocol: &'static str) -> Result<(), Error> {
        let span = tracing::info_span!("slackline", protocol);
        let _entered = span.enter();
        let parts = self.parts;
        let (work_tx, work_rx) = crossbeam_channel::bounded(parts.handler_queue);
        let handlers = Tracker::new();
        let threads = match parts.concurrency {
            Concurrency::Limit(n) => n,
            _ => 1,
        };
        start_pool(
            self.router,
            self.handle.clone(),
            threads,
            work_rx,
            &handlers,
            &parts.stats,
            parts.shared_dedupe.clone(),
        );
        let connector = Connector {
            tls: parts.tls,
            proxy: parts.proxy,
        };
        let max_frame = parts.host.session().config().max_inbound_frame();
        let ws = WsSetup {
            connector: connector.clone(),
            config: websocket_config(max_frame),
            close_timeout: parts.close_timeout,
        };
        let driver = Driver::new(DriverParts {
            host: parts.host,
            http: HttpClient {
                connector,
                timeout: parts.http_timeout,
            },
            ws,
            commands: self.commands,
            commands_tx: self.handle.commands,
            work: work_tx,
        });
        Error::from_stop(driver.run(handlers))
    }
}

impl fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.parts.host)
            .finish_non_exhaustive()
    }
}

/// A Socket Mode client on plain threads: envelopes to handlers, acks handled, connections
/// kept up. Build with [`SocketModeClient::builder`], then [`run`](Self::run) (it blocks).
#[derive(Debug)]
pub struct SocketModeClient {
    core: ClientCore,
}

impl SocketModeClient {
    /// A builder for an app-level token (`xapp-…`).
    pub fn builder(app_token: impl Into<String>) -> SocketModeBuilder {
        ClientBuilder::socket_mode((), app_token)
    }

    /// A handle to shut the client down from another thread.
    pub fn handle(&self) -> ClientHandle {
        self.core.handle.clone()
    }

    /// The handlers' counters: how many ran, returned an error, panicked (read them at any
    /// time, from any thread; they keep counting while the client runs).
    pub fn stats(&self) -> HandlerStats {
        self.core.parts.stats.clone()
    }

    /// Lifecycle events (hello, disconnect reasons, reconnects, protocol errors, overdue acks,
    /// the final stop).
    ///
    /// **A single observer.** Each call replaces the previous receiver, which then ends (its
    /// `recv()` returns `None`); to feed several consumers, read this one and fan out.
    ///
    /// **Best effort.** An observer that falls 256 events behind loses events rather than
    /// slowing the client; the receiver ends when `run()` returns.
    pub fn events(&mut self) -> Events {
        self.core.events()
    }

    /// Connects and serves on the calling thread until the session stops: `Ok(())` after a
    /// shutdown, an error that says why otherwise (`link_disabled`, a revoked token...).
    pub fn run(self) -> Result<(), Error> {
        self.core.run("socket_mode")
    }
}

/// An RTM client on plain threads: events to handlers, messages with their replies.
#[derive(Debug)]
pub struct RtmClient {
    core: ClientCore,
}

impl RtmClient {
    /// A builder for a bot (`xoxb-…`) or user (`xoxp-…`) token.
    pub fn builder(token: impl Into<String>) -> RtmBuilder {
        ClientBuilder::rtm((), token)
    }

    /// A handle to send messages and shut down from other threads.
    pub fn handle(&self) -> RtmHandle {
        RtmHandle {
            client: self.core.handle.clone(),
        }
    }

    /// Lifecycle events; see [`SocketModeClient::events`].
    pub fn events(&mut self) -> Events {
        self.core.events()
    }

    /// The handlers' counters; see [`SocketModeClient::stats`].
    pub fn stats(&self) -> HandlerStats {
        self.core.parts.stats.clone()
    }

    /// Connects and serves on the calling thread until the session stops.
    pub fn run(self) -> Result<(), Error> {
        self.core.run("rtm")
    }
}

/// Lifecycle events of a client; see [`SocketModeClient::events`].
#[derive(Debug)]
pub struct Events(Receiver<Event>);

impl Events {
    /// The next event; `None` once the client has finished.
    pub fn recv(&self) -> Option<Event> {
        self.0.recv().ok()
    }

    /// The next event within `timeout`; `None` if none came in time or the client finished.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Event> {
        self.0.recv_timeout(timeout).ok()
    }
}

impl Iterator for Events {
    type Item = Event;
    fn next(&mut self) -> Option<Event> {
        self.recv()
    }
}
