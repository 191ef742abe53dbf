//! The app-facing clients: builders, handlers, `run()`.

use std::fmt;
use std::future::Future;
use std::hash::BuildHasher;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_channel::{mpsc, oneshot};
use futures_util::future::{select, Either};
use futures_util::{Stream, StreamExt};
use slackline::{
    Config, Envelope, Event, LateAckPolicy, RtmEvent, RtmStartOptions, Session, StopReason,
};
use tracing::Instrument;

use crate::command::{ClientHandle, Command, COMMAND_CAPACITY};
use crate::dispatch::{Concurrency, Dispatcher};
use crate::driver::{Driver, DriverParts};
use crate::error::Error;
use crate::http::{HttpClient, DEFAULT_HTTP_TIMEOUT};
use crate::proxy::ProxyChoice;
use crate::responder::Responder;
use crate::router::{envelope_handler, rtm_handler, Router, RtmRoutes, SocketModeRoutes};
use crate::rtm_handle::RtmHandle;
use crate::runtime::Runtime;
use crate::stream::Connector;
use crate::tap::{Tap, TranscriptSink};
use crate::target::{check, Protocol};
use crate::tasks::TaskTracker;
use crate::tls::TlsConfig;
use crate::websocket::WsSetup;

/// Handlers allowed to run at once, by default.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// Work items waiting for a handler slot before the client stops reading from Slack.
pub const DEFAULT_HANDLER_QUEUE: usize = 128;
/// Bound on each WebSocket close handshake.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Lifecycle events buffered for a slow observer before they are dropped.
const EVENT_CAPACITY: usize = 256;

#[derive(Clone, Debug)]
struct Options {
    concurrency: Concurrency,
    handler_queue: usize,
    http_timeout: Duration,
    close_timeout: Duration,
    tls: Option<TlsConfig>,
    proxy: ProxyChoice,
}

/// Builds a [`SocketModeClient`] or an [`RtmClient`]. The settings shared by both are here;
/// handlers and protocol options are on the `SocketMode` / `Rtm` specialisations.
pub struct ClientBuilder<R, M> {
    runtime: R,
    config: Config,
    options: Options,
    routes: M,
    tap: Option<Tap>,
}

impl<R: Runtime, M> ClientBuilder<R, M> {
    fn new(runtime: R, config: Config, routes: M) -> Self {
        ClientBuilder {
            runtime,
            config,
            options: Options {
                concurrency: Concurrency::Limit(DEFAULT_CONCURRENCY),
                handler_queue: DEFAULT_HANDLER_QUEUE,
                http_timeout: DEFAULT_HTTP_TIMEOUT,
                close_timeout: DEFAULT_CLOSE_TIMEOUT,
                tls: None,
                proxy: ProxyChoice::default(),
            },
            routes,
            tap: None,
        }
    }

    /// Records the session's traffic (both directions and the app's acks, redacted) into
    /// `sink` as transcript records, for [`slackline_transcript::replay`].
    pub fn transcript(mut self, sink: impl TranscriptSink) -> Self {
        self.tap = Some(Tap::new(Box::new(sink)));
        self
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

    /// Handlers allowed to run at once (default 64).
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.options.concurrency = Concurrency::Limit(limit.max(1));
        self
    }

    /// Runs handlers one at a time, in arrival order (acks still go out on arrival).
    pub fn ordered(mut self) -> Self {
        self.options.concurrency = Concurrency::Ordered;
        self
    }

    /// Work waiting for a handler slot before the client stops reading (default 128).
    pub fn handler_queue(mut self, capacity: usize) -> Self {
        self.options.handler_queue = capacity.max(1);
        self
    }

    /// Limit on each Web API request, `apps.connections.open` / `rtm.connect` included (default 15 s).
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
    /// (default: `HTTPS_PROXY` / `https_proxy` from the environment, never for loopback).
    /// TLS runs inside the tunnel to the real host; the credentials go to the proxy only.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.options.proxy.url(url.into());
        self
    }

    /// Destinations that bypass the proxy, in `NO_PROXY` syntax (default: `NO_PROXY` /
    /// `no_proxy` from the environment). See [`Proxy::no_proxy`](crate::Proxy::no_proxy).
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.options.proxy.no_proxy(list.into());
        self
    }

    /// Connect directly, ignoring `HTTPS_PROXY`.
    pub fn without_proxy(mut self) -> Self {
        self.options.proxy.direct();
        self
    }

    fn build_core(self, router: Router) -> Result<ClientCore<R>, Error> {
        check(self.config.api_url(), Protocol::Http)?;
        let tls = match self.options.tls.clone() {
            Some(tls) => tls,
            None => TlsConfig::webpki_roots()?,
        };
        let connector = Connector {
            tls,
            proxy: self.options.proxy.resolve()?,
        };
        let config = self
            .config
            .with_http_timeout(self.options.http_timeout)
            .with_seed(random_seed());
        // The session starts at the epoch; `run` starts the driver's clock at that epoch.
        let session = Session::new(config, slackline::Instant::ZERO)?;
        let mut tap = self.tap;
        if let Some(tap) = &mut tap {
            tap.header(slackline_transcript::Recorder::header(
                session.config(),
                None,
            ));
        }
        let (commands_tx, commands_rx) = mpsc::channel(COMMAND_CAPACITY);
        Ok(ClientCore {
            runtime: self.runtime,
            session,
            connector,
            options: self.options,
            router,
            handle: ClientHandle {
                commands: std::sync::Arc::new(commands_tx),
            },
            commands: commands_rx,
            observer: None,
            tap,
        })
    }
}

impl<R, M: fmt::Debug> fmt::Debug for ClientBuilder<R, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("options", &self.options)
            .field("routes", &self.routes)
            .field("transcript", &self.tap.is_some())
            .finish()
    }
}

/// Jitter for reconnects should differ between processes; std's hasher keys are random.
fn random_seed() -> u64 {
    std::collections::hash_map::RandomState::new().hash_one(std::time::SystemTime::now())
}

impl<R: Runtime> ClientBuilder<R, SocketModeRoutes> {
    /// Handles Events API envelopes whose `payload.event.type` is `event_type` (`app_mention`,
    /// `message`, ...). They were acked before the handler runs.
    pub fn on_event<F, Fut>(mut self, event_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, Responder) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler = envelope_handler(handler);
        self.routes.events.insert(event_type.into(), handler);
        self
    }

    /// Handles interactive envelopes whose `payload.type` is `payload_type` (`block_actions`,
    /// `view_submission`, `shortcut`, ...).
    pub fn on_interactive<F, Fut>(mut self, payload_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, Responder) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler = envelope_handler(handler);
        self.routes.interactive.insert(payload_type.into(), handler);
        self
    }

    /// Handles a slash command (`/deploy`, with the slash).
    pub fn on_command<F, Fut>(mut self, command: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, Responder) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler = envelope_handler(handler);
        self.routes.commands.insert(command.into(), handler);
        self
    }

    /// Handles every envelope no specific handler took.
    pub fn on_envelope<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Envelope, Responder) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.routes.fallback = Some(envelope_handler(handler));
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

    /// When a deferred ack falls due (default 2.5 s) and what happens then (default: a bare
    /// ack is sent, so Slack does not retry).
    pub fn ack_policy(mut self, deadline: Duration, policy: LateAckPolicy) -> Self {
        self.config = self
            .config
            .with_ack_timeout(deadline)
            .with_late_ack_policy(policy);
        self
    }

    /// Builds the client; checks the configuration and the API URL.
    pub fn build(mut self) -> Result<SocketModeClient<R>, Error> {
        let router = Router::SocketMode(std::mem::take(&mut self.routes));
        Ok(SocketModeClient {
            core: self.build_core(router)?,
        })
    }
}

impl<R: Runtime> ClientBuilder<R, RtmRoutes> {
    /// Handles RTM events of type `event_type` (`message`, `reaction_added`, ...).
    pub fn on_event<F, Fut>(mut self, event_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(RtmEvent, RtmHandle) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.routes
            .by_type
            .insert(event_type.into(), rtm_handler(handler));
        self
    }

    /// Handles every RTM event no specific handler took.
    pub fn on_any<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(RtmEvent, RtmHandle) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.routes.fallback = Some(rtm_handler(handler));
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

    /// Builds the client; checks the configuration and the API URL.
    pub fn build(mut self) -> Result<RtmClient<R>, Error> {
        let router = Router::Rtm(std::mem::take(&mut self.routes));
        Ok(RtmClient {
            core: self.build_core(router)?,
        })
    }
}

/// What both clients share: a session not yet started and the plumbing around it.
struct ClientCore<R: Runtime> {
    runtime: R,
    session: Session,
    connector: Connector,
    options: Options,
    router: Router,
    handle: ClientHandle,
    commands: mpsc::Receiver<Command>,
    observer: Option<mpsc::Sender<Event>>,
    tap: Option<Tap>,
}

impl<R: Runtime> ClientCore<R> {
    fn events(&mut self) -> EventStream {
        let (tx, rx) = mpsc::channel(EVENT_CAPACITY);
        self.observer = Some(tx);
        EventStream(rx)
    }

    async fn run(self, protocol: &'static str) -> Result<(), Error> {
        let ClientCore {
            runtime,
            session,
            connector,
            options,
            router,
            handle,
            commands,
            observer,
            tap,
        } = self;
        let span = tracing::info_span!("slackline", protocol);
        let (work_tx, work_rx) = crate::work_queue::work_queue(options.handler_queue);
        let handlers = TaskTracker::new();
        let dispatcher = Dispatcher {
            runtime: runtime.clone(),
            router,
            client: handle,
            concurrency: options.concurrency,
            work: work_rx,
            token: handlers.token(),
        };
        runtime.spawn(Box::pin(dispatcher.run().instrument(span.clone())));
        let ws = WsSetup {
            runtime: runtime.clone(),
            connector: connector.clone(),
            config: crate::websocket::websocket_config(session.config().max_inbound_frame()),
            close_timeout: options.close_timeout,
        };
        let driver = Driver::new(DriverParts {
            session,
            http: HttpClient::new(runtime.clone(), connector, options.http_timeout),
            ws,
            commands,
            work: work_tx,
            observer,
            tap,
        });
        // The loop runs as a task of the runtime, beside the dispatcher and the handler tasks
        // it wakes, wherever `run()` itself is awaited (often a `block_on` thread): a wake
        // that stays on one thread costs far less than one that crosses to another.
        let (done_tx, done) = oneshot::channel::<StopReason>();
        let (cancel, cancelled) = oneshot::channel::<()>();
        runtime.spawn(Box::pin(
            async move {
                // Dropping `run()` drops `cancel`: the loop stops with it, as if it ran here.
                if let Either::Left((reason, _)) =
                    select(pin!(driver.run(handlers)), cancelled).await
                {
                    let _ = done_tx.send(reason);
                }
            }
            .instrument(span),
        ));
        let reason = done.await.map_err(|_| Error::TaskLost);
        drop(cancel);
        Error::from_stop(reason?)
    }
}

/// A Socket Mode client: envelopes to handlers, acks handled, connections kept up.
///
/// Build with [`SocketModeClient::builder`] (runtime crates fix `R`), then [`run`](Self::run).
pub struct SocketModeClient<R: Runtime> {
    core: ClientCore<R>,
}

impl<R: Runtime + Default> SocketModeClient<R> {
    /// A builder for an app-level token (`xapp-…`).
    pub fn builder(app_token: impl Into<String>) -> ClientBuilder<R, SocketModeRoutes> {
        Self::builder_on(R::default(), app_token)
    }
}

impl<R: Runtime> SocketModeClient<R> {
    /// A builder on a given runtime value.
    pub fn builder_on(
        runtime: R,
        app_token: impl Into<String>,
    ) -> ClientBuilder<R, SocketModeRoutes> {
        ClientBuilder::new(
            runtime,
            Config::socket_mode(app_token),
            SocketModeRoutes::default(),
        )
    }

    /// A handle to shut the client down from elsewhere.
    pub fn handle(&self) -> ClientHandle {
        self.core.handle.clone()
    }

    /// Lifecycle events (hello, disconnect reasons, reconnects, protocol errors, overdue acks,
    /// the final stop).
    ///
    /// **A single observer.** Each call replaces the previous stream, which then ends (its
    /// `next()` returns `None`); to feed several consumers, read this one stream and fan out.
    /// Envelopes and RTM events go to the handlers, not here.
    ///
    /// **Best effort.** An observer that falls 256 events behind loses events (logged at
    /// debug level) rather than slowing the client; the stream ends when `run()` returns.
    pub fn events(&mut self) -> EventStream {
        self.core.events()
    }

    /// Connects and serves until the session stops: `Ok(())` after a shutdown, an error that
    /// says why otherwise (`link_disabled`, a revoked token...).
    pub async fn run(self) -> Result<(), Error> {
        self.core.run("socket_mode").await
    }
}

/// An RTM client: events to handlers, messages with their replies.
pub struct RtmClient<R: Runtime> {
    core: ClientCore<R>,
}

impl<R: Runtime + Default> RtmClient<R> {
    /// A builder for a bot (`xoxb-…`) or user (`xoxp-…`) token.
    pub fn builder(token: impl Into<String>) -> ClientBuilder<R, RtmRoutes> {
        Self::builder_on(R::default(), token)
    }
}

impl<R: Runtime> RtmClient<R> {
    /// A builder on a given runtime value.
    pub fn builder_on(runtime: R, token: impl Into<String>) -> ClientBuilder<R, RtmRoutes> {
        ClientBuilder::new(runtime, Config::rtm(token), RtmRoutes::default())
    }

    /// A handle to send messages and shut down from elsewhere.
    pub fn handle(&self) -> RtmHandle {
        RtmHandle {
            client: self.core.handle.clone(),
        }
    }

    /// Lifecycle events; see [`SocketModeClient::events`].
    pub fn events(&mut self) -> EventStream {
        self.core.events()
    }

    /// Connects and serves until the session stops; see [`SocketModeClient::run`].
    pub async fn run(self) -> Result<(), Error> {
        self.core.run("rtm").await
    }
}

impl<R: Runtime> fmt::Debug for ClientCore<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("session", &self.session)
            .field("router", &self.router)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> fmt::Debug for SocketModeClient<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt(f)
    }
}

impl<R: Runtime> fmt::Debug for RtmClient<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.fmt(f)
    }
}

/// Lifecycle events of a client; see [`SocketModeClient::events`].
#[derive(Debug)]
pub struct EventStream(mpsc::Receiver<Event>);

impl EventStream {
    /// The next event, or `None` once the client has finished.
    pub async fn next(&mut self) -> Option<Event> {
        self.0.next().await
    }
}

impl Stream for EventStream {
    type Item = Event;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.0.poll_next_unpin(cx)
    }
}
