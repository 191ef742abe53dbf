//! The app-facing clients: builders, handlers, `run()`, in the same shape as the async ones.

use std::fmt;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use slackline::{Config, Envelope, Event, LateAckPolicy, RtmEvent, RtmStartOptions, Session};
use slackline_async_driver::shared::{check, websocket_config, Protocol, ProxyChoice};
use slackline_async_driver::{Error, RtmRoutes, SocketModeRoutes, TlsConfig};

use crate::command::{ClientHandle, Command, COMMAND_CAPACITY};
use crate::dispatch::{start_pool, EnvelopeHandler, Router, RtmHandler};
use crate::driver::{Driver, DriverParts};
use crate::http::{HttpClient, DEFAULT_HTTP_TIMEOUT};
use crate::net::Connector;
use crate::responder::Responder;
use crate::rtm_handle::RtmHandle;
use crate::tracker::Tracker;
use crate::websocket::WsSetup;

/// Handler threads by default (python-slack-sdk's builtin client uses ten as well).
pub const DEFAULT_CONCURRENCY: usize = 10;
/// Work items waiting for a handler before the client stops reading from Slack.
pub const DEFAULT_HANDLER_QUEUE: usize = 128;
/// Bound on each WebSocket close handshake.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Lifecycle events buffered for a slow observer before they are dropped.
const EVENT_CAPACITY: usize = 256;

#[derive(Clone, Debug)]
struct Options {
    threads: usize,
    handler_queue: usize,
    http_timeout: Duration,
    close_timeout: Duration,
    tls: Option<TlsConfig>,
    proxy: ProxyChoice,
}

/// Builds a [`SocketModeClient`] or an [`RtmClient`]; the shared settings are here, handlers
/// and protocol options on the `SocketMode` / `Rtm` specialisations.
pub struct ClientBuilder<M> {
    config: Config,
    options: Options,
    routes: M,
}

impl<M> ClientBuilder<M> {
    fn new(config: Config, routes: M) -> Self {
        ClientBuilder {
            config,
            options: Options {
                threads: DEFAULT_CONCURRENCY,
                handler_queue: DEFAULT_HANDLER_QUEUE,
                http_timeout: DEFAULT_HTTP_TIMEOUT,
                close_timeout: DEFAULT_CLOSE_TIMEOUT,
                tls: None,
                proxy: ProxyChoice::default(),
            },
            routes,
        }
    }

    /// Web API base URL (default `https://slack.com/api/`). Plain `http://` only to loopback.
    pub fn api_url(mut self, url: impl Into<String>) -> Self {
        self.config = self.config.with_api_url(url);
        self
    }

    /// Client ping interval on every connection (default 10 s).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.config = self.config.with_ping_interval(interval);
        self
    }

    /// How long a ping may go unanswered before the connection is replaced (default 10 s).
    pub fn pong_timeout(mut self, timeout: Duration) -> Self {
        self.config = self.config.with_pong_timeout(timeout);
        self
    }

    /// Reconnect backoff bounds (defaults 1 s and 120 s; `Retry-After` always wins).
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.config = self.config.with_backoff(initial, max);
        self
    }

    /// How long a graceful shutdown waits for deferred acks and running handlers (default 10 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.config = self.config.with_shutdown_timeout(timeout);
        self
    }

    /// Any other session setting, on the core's [`Config`].
    pub fn configure(mut self, f: impl FnOnce(Config) -> Config) -> Self {
        self.config = f(self.config);
        self
    }

    /// Handler threads (default 10).
    pub fn concurrency(mut self, threads: usize) -> Self {
        self.options.threads = threads.max(1);
        self
    }

    /// One handler thread: handlers run one at a time, in arrival order (acks still go out
    /// on arrival).
    pub fn ordered(mut self) -> Self {
        self.options.threads = 1;
        self
    }

    /// Work waiting for a handler before the client stops reading (default 128).
    pub fn handler_queue(mut self, capacity: usize) -> Self {
        self.options.handler_queue = capacity.max(1);
        self
    }

    /// Limit on each Web API request (default 15 s).
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.options.http_timeout = timeout;
        self
    }

    /// Limit on each WebSocket close handshake (default 2 s).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.options.close_timeout = timeout;
        self
    }

    /// TLS settings (default: [`TlsConfig::webpki_roots`]).
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.options.tls = Some(tls);
        self
    }

    /// An HTTP CONNECT proxy for every connection, `http://[user:password@]host[:port]`
    /// (default: `HTTPS_PROXY` / `https_proxy`, never for loopback); TLS runs inside the tunnel.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.options.proxy.url(url.into());
        self
    }

    /// Destinations that bypass the proxy, in `NO_PROXY` syntax (default: `NO_PROXY`).
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.options.proxy.no_proxy(list.into());
        self
    }

    /// Connect directly, ignoring `HTTPS_PROXY`.
    pub fn without_proxy(mut self) -> Self {
        self.options.proxy.direct();
        self
    }

    fn build_core(self, router: Router) -> Result<ClientCore, Error> {
        check(self.config.api_url(), Protocol::Http)?;
        let connector = Connector {
            tls: match self.options.tls.clone() {
                Some(tls) => tls,
                None => TlsConfig::webpki_roots()?,
            },
            proxy: self.options.proxy.resolve()?,
        };
        let config = self
            .config
            .with_http_timeout(self.options.http_timeout)
            .with_seed(random_seed());
        // The session starts at the epoch; `run` starts the loop's clock at that epoch.
        let session = Session::new(config, slackline::Instant::ZERO)?;
        let (commands_tx, commands) = crossbeam_channel::bounded(COMMAND_CAPACITY);
        Ok(ClientCore {
            session,
            connector,
            options: self.options,
            router,
            handle: ClientHandle {
                commands: commands_tx,
            },
            commands,
            observer: None,
        })
    }
}

impl<M: fmt::Debug> fmt::Debug for ClientBuilder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("options", &self.options)
            .field("routes", &self.routes)
            .finish()
    }
}

/// Jitter for reconnects should differ between processes; std's hasher keys are random.
fn random_seed() -> u64 {
    std::collections::hash_map::RandomState::new().hash_one(std::time::SystemTime::now())
}

/// Socket Mode handler tables with plain-function handlers.
pub type SocketModeHandlers = SocketModeRoutes<EnvelopeHandler>;
/// RTM handler tables with plain-function handlers.
pub type RtmHandlers = RtmRoutes<RtmHandler>;

impl ClientBuilder<SocketModeHandlers> {
    /// Handles Events API envelopes whose `payload.event.type` is `event_type`; they were
    /// acked before the handler runs.
    pub fn on_event<F>(mut self, event_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, Responder) + Send + Sync + 'static,
    {
        self.routes
            .insert_event(event_type.into(), Arc::new(handler));
        self
    }

    /// Handles interactive envelopes whose `payload.type` is `payload_type`.
    pub fn on_interactive<F>(mut self, payload_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, Responder) + Send + Sync + 'static,
    {
        self.routes
            .insert_interactive(payload_type.into(), Arc::new(handler));
        self
    }

    /// Handles a slash command (`/deploy`, with the slash).
    pub fn on_command<F>(mut self, command: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, Responder) + Send + Sync + 'static,
    {
        self.routes
            .insert_command(command.into(), Arc::new(handler));
        self
    }

    /// Handles every envelope no specific handler took.
    pub fn on_envelope<F>(mut self, handler: F) -> Self
    where
        F: Fn(Envelope, Responder) + Send + Sync + 'static,
    {
        self.routes.set_fallback(Arc::new(handler));
        self
    }

    /// Socket Mode connections kept open, 1 to 10 (default 1).
    pub fn connections(mut self, n: u8) -> Self {
        self.config = self.config.with_connections(n);
        self
    }

    /// Redelivery suppression window and capacity (default 15 min, 20,000 ids).
    pub fn dedupe(mut self, window: Duration, capacity: usize) -> Self {
        self.config = self.config.with_dedupe(window, capacity);
        self
    }

    /// Dispatch every redelivery.
    pub fn without_dedupe(mut self) -> Self {
        self.config = self.config.without_dedupe();
        self
    }

    /// Envelopes that accept a response payload wait for the handler's ack (default), or,
    /// with `false`, are acked on arrival like the others.
    pub fn deferred_acks(mut self, defer: bool) -> Self {
        self.config = self.config.with_deferred_response_acks(defer);
        self
    }

    /// When a deferred ack falls due (default 2.5 s) and what happens then.
    pub fn ack_policy(mut self, deadline: Duration, policy: LateAckPolicy) -> Self {
        self.config = self
            .config
            .with_ack_timeout(deadline)
            .with_late_ack_policy(policy);
        self
    }

    /// Builds the client; checks the configuration, the API URL and the proxy.
    pub fn build(mut self) -> Result<SocketModeClient, Error> {
        let router = Router::SocketMode(std::mem::take(&mut self.routes));
        Ok(SocketModeClient {
            core: self.build_core(router)?,
        })
    }
}

impl ClientBuilder<RtmHandlers> {
    /// Handles RTM events of type `event_type` (`message`, `reaction_added`, ...).
    pub fn on_event<F>(mut self, event_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(RtmEvent, RtmHandle) + Send + Sync + 'static,
    {
        self.routes.insert(event_type.into(), Arc::new(handler));
        self
    }

    /// Handles every RTM event no specific handler took.
    pub fn on_any<F>(mut self, handler: F) -> Self
    where
        F: Fn(RtmEvent, RtmHandle) + Send + Sync + 'static,
    {
        self.routes.set_fallback(Arc::new(handler));
        self
    }

    /// Connect with `rtm.start` instead of `rtm.connect`.
    pub fn rtm_start(mut self, options: RtmStartOptions) -> Self {
        self.config = self.config.with_rtm_start(options);
        self
    }

    /// Skip events caused by the bot's own user (default off).
    pub fn ignore_self(mut self, on: bool) -> Self {
        self.config = self.config.with_rtm_ignore_self(on);
        self
    }

    /// Builds the client; checks the configuration, the API URL and the proxy.
    pub fn build(mut self) -> Result<RtmClient, Error> {
        let router = Router::Rtm(std::mem::take(&mut self.routes));
        Ok(RtmClient {
            core: self.build_core(router)?,
        })
    }
}

/// What both clients share: a session not yet started and the plumbing around it.
struct ClientCore {
    session: Session,
    connector: Connector,
    options: Options,
    router: Router,
    handle: ClientHandle,
    commands: Receiver<Command>,
    observer: Option<Sender<Event>>,
}

impl ClientCore {
    fn events(&mut self) -> Events {
        let (tx, rx) = crossbeam_channel::bounded(EVENT_CAPACITY);
        self.observer = Some(tx);
        Events(rx)
    }

    fn run(self, protocol: &'static str) -> Result<(), Error> {
        let span = tracing::info_span!("slackline", protocol);
        let _entered = span.enter();
        let (work_tx, work_rx) = crossbeam_channel::bounded(self.options.handler_queue);
        let handlers = Tracker::new();
        start_pool(
            self.router,
            self.handle.clone(),
            self.options.threads,
            work_rx,
            &handlers,
        );
        let ws = WsSetup {
            connector: self.connector.clone(),
            config: websocket_config(self.session.config().max_inbound_frame()),
            close_timeout: self.options.close_timeout,
        };
        let driver = Driver::new(DriverParts {
            session: self.session,
            http: HttpClient {
                connector: self.connector,
                timeout: self.options.http_timeout,
            },
            ws,
            commands: self.commands,
            commands_tx: self.handle.commands,
            work: work_tx,
            observer: self.observer,
        });
        Error::from_stop(driver.run(handlers))
    }
}

impl fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("session", &self.session)
            .field("router", &self.router)
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
    pub fn builder(app_token: impl Into<String>) -> ClientBuilder<SocketModeHandlers> {
        ClientBuilder::new(Config::socket_mode(app_token), SocketModeRoutes::default())
    }

    /// A handle to shut the client down from another thread.
    pub fn handle(&self) -> ClientHandle {
        self.core.handle.clone()
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
    pub fn builder(token: impl Into<String>) -> ClientBuilder<RtmHandlers> {
        ClientBuilder::new(Config::rtm(token), RtmRoutes::default())
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
