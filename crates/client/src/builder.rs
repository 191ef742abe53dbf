//! The client builder, written once for every driver: the settings, the handlers, the checks
//! made before anything connects. A driver family (async runtimes, or plain threads) is a
//! [`Kind`]: it says what a handler gets and returns, and turns the built parts into its
//! client.

use std::fmt;
use std::future::Future;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use slackline::{Config, Envelope, LateAckPolicy, RtmEvent, RtmStartOptions, Session};

use crate::claim::SharedDedupe;
use crate::error::Error;
use crate::proxy::{Proxy, ProxyChoice};
use crate::routes::{RtmRoutes, SocketModeRoutes};
use crate::tap::{Tap, TranscriptSink};
use crate::target::{check, Protocol};
use crate::tls::TlsConfig;

/// Work waiting for a handler slot before the client stops reading from Slack, by default.
pub const DEFAULT_HANDLER_QUEUE: usize = 128;
/// Bound on each WebSocket close handshake, by default.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// A family of drivers: what handlers get and return, and how the built parts become a client.
pub trait Kind: Sized + 'static {
    /// What the client runs on (an async runtime; nothing for threads).
    type Runtime: Clone + fmt::Debug + Send + 'static;
    /// Given to each Socket Mode handler, to ack deferred envelopes.
    type Responder: Send + 'static;
    /// Given to each RTM handler, to send messages.
    type RtmHandle: Send + 'static;
    /// What calling a handler produces: a future to run (async), or nothing (threads).
    type Task: Send + 'static;
    /// The Socket Mode client.
    type SocketModeClient;
    /// The RTM client.
    type RtmClient;
    /// Handlers allowed to run at once, by default.
    const DEFAULT_CONCURRENCY: usize;

    /// The Socket Mode client from its checked parts.
    fn socket_mode(
        parts: ClientParts<Self, SocketModeRoutes<EnvelopeHandler<Self>>>,
    ) -> Self::SocketModeClient;
    /// The RTM client from its checked parts.
    fn rtm(parts: ClientParts<Self, RtmRoutes<RtmHandler<Self>>>) -> Self::RtmClient;
}

/// A stored Socket Mode handler.
pub type EnvelopeHandler<K> =
    Arc<dyn Fn(Envelope, <K as Kind>::Responder) -> <K as Kind>::Task + Send + Sync>;
/// A stored RTM handler.
pub type RtmHandler<K> =
    Arc<dyn Fn(RtmEvent, <K as Kind>::RtmHandle) -> <K as Kind>::Task + Send + Sync>;

/// A boxed, sendable future: what async drivers run for each handler call.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a handler returns, made into its driver's [`Kind::Task`]: `()` for plain functions on
/// threads, a future (an `async` block) for the async drivers.
pub trait IntoTask<Task> {
    /// The task.
    fn into_task(self) -> Task;
}

impl IntoTask<()> for () {
    fn into_task(self) {}
}

impl<F: Future<Output = ()> + Send + 'static> IntoTask<BoxFuture<'static, ()>> for F {
    fn into_task(self) -> BoxFuture<'static, ()> {
        Box::pin(self)
    }
}

/// How handlers run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Concurrency {
    /// Up to this many handlers at once.
    Limit(usize),
    /// One at a time, in arrival order.
    Ordered,
}

/// A built client's parts, checked, for its driver to run.
#[non_exhaustive]
pub struct ClientParts<K: Kind, Routes> {
    /// What the client runs on.
    pub runtime: K::Runtime,
    /// The session, started at `Instant::ZERO` (the driver's clock starts then).
    pub host: crate::host::SessionHost,
    /// TLS for every connection.
    pub tls: TlsConfig,
    /// The proxy, if any.
    pub proxy: Option<Proxy>,
    /// How handlers run.
    pub concurrency: Concurrency,
    /// Work waiting for a handler slot before the loop stops reading.
    pub handler_queue: usize,
    /// Limit on each HTTP request.
    pub http_timeout: Duration,
    /// Limit on each close handshake.
    pub close_timeout: Duration,
    /// The handlers.
    pub routes: Routes,
    /// Claims taken before each envelope is dispatched, when several processes share the app.
    pub shared_dedupe: Option<SharedDedupe>,
}

impl<K: Kind, Routes> ClientParts<K, Routes> {
    /// The handlers apart from the rest, for a driver that stores them in its own way.
    pub fn split_routes(self) -> (ClientParts<K, ()>, Routes) {
        let ClientParts {
            runtime,
            host,
            tls,
            proxy,
            concurrency,
            handler_queue,
            http_timeout,
            close_timeout,
            routes,
            shared_dedupe,
        } = self;
        let rest = ClientParts {
            runtime,
            host,
            tls,
            proxy,
            concurrency,
            handler_queue,
            http_timeout,
            close_timeout,
            routes: (),
            shared_dedupe,
        };
        (rest, routes)
    }
}

impl<K: Kind, Routes: fmt::Debug> fmt::Debug for ClientParts<K, Routes> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientParts")
            .field("host", &self.host)
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

/// Builds a Socket Mode or RTM client for driver family `K`. The settings shared by both are
/// here; handlers and protocol options are on the Socket Mode and RTM specialisations.
pub struct ClientBuilder<K: Kind, Routes> {
    runtime: K::Runtime,
    config: Config,
    concurrency: Concurrency,
    handler_queue: usize,
    http_timeout: Duration,
    close_timeout: Duration,
    tls: Option<TlsConfig>,
    proxy: ProxyChoice,
    tap: Option<Tap>,
    routes: Routes,
    shared_dedupe: Option<SharedDedupe>,
}

impl<K: Kind> ClientBuilder<K, SocketModeRoutes<EnvelopeHandler<K>>> {
    /// A Socket Mode builder for an app-level token (`xapp-…`) on `runtime`.
    pub fn socket_mode(runtime: K::Runtime, app_token: impl Into<String>) -> Self {
        Self::new(runtime, Config::socket_mode(app_token))
    }
}

impl<K: Kind> ClientBuilder<K, RtmRoutes<RtmHandler<K>>> {
    /// An RTM builder for a bot (`xoxb-…`) or user (`xoxp-…`) token on `runtime`.
    pub fn rtm(runtime: K::Runtime, token: impl Into<String>) -> Self {
        Self::new(runtime, Config::rtm(token))
    }
}

impl<K: Kind, Routes: Default> ClientBuilder<K, Routes> {
    fn new(runtime: K::Runtime, config: Config) -> Self {
        ClientBuilder {
            runtime,
            config,
            concurrency: Concurrency::Limit(K::DEFAULT_CONCURRENCY),
            handler_queue: DEFAULT_HANDLER_QUEUE,
            http_timeout: slackline::Config::DEFAULT_HTTP_TIMEOUT,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            tls: None,
            proxy: ProxyChoice::default(),
            tap: None,
            routes: Routes::default(),
            shared_dedupe: None,
        }
    }
}

impl<K: Kind, Routes> ClientBuilder<K, Routes> {
    /// Records the session's traffic (both directions and the app's acks, redacted) into
    /// `sink` as transcript records, for `slackline_transcript::replay`.
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

    /// Handlers allowed to run at once (default 64 on async runtimes, 10 threads otherwise).
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = Concurrency::Limit(limit.max(1));
        self
    }

    /// Runs handlers one at a time, in arrival order (acks still go out on arrival).
    pub fn ordered(mut self) -> Self {
        self.concurrency = Concurrency::Ordered;
        self
    }

    /// Work waiting for a handler slot before the client stops reading (default 128).
    pub fn handler_queue(mut self, capacity: usize) -> Self {
        self.handler_queue = capacity.max(1);
        self
    }

    /// Limit on each Web API request, `apps.connections.open` / `rtm.connect` included
    /// (default 15 s).
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// Limit on each WebSocket close handshake (default 2 s).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// TLS settings (default: [`TlsConfig::webpki_roots`]).
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// An HTTP CONNECT proxy for every connection, `http://[user:password@]host[:port]`
    /// (default: `HTTPS_PROXY` / `https_proxy` from the environment, never for loopback).
    /// TLS runs inside the tunnel to the real host; the credentials go to the proxy only.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy.url(url.into());
        self
    }

    /// Destinations that bypass the proxy, in `NO_PROXY` syntax (default: `NO_PROXY` /
    /// `no_proxy` from the environment). See [`Proxy::no_proxy`].
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.proxy.no_proxy(list.into());
        self
    }

    /// Connect directly, ignoring `HTTPS_PROXY`.
    pub fn without_proxy(mut self) -> Self {
        self.proxy.direct();
        self
    }

    /// Checks everything that can be checked before connecting (the configuration, the API
    /// URL, TLS, the proxy) and starts the session at `Instant::ZERO`.
    fn into_parts(self) -> Result<ClientParts<K, Routes>, Error> {
        check(self.config.api_url(), Protocol::Http)?;
        let tls = match self.tls {
            Some(tls) => tls,
            None => TlsConfig::webpki_roots()?,
        };
        let proxy = self.proxy.resolve()?;
        let config = self
            .config
            .with_http_timeout(self.http_timeout)
            .with_seed(random_seed());
        let session = Session::new(config, slackline::Instant::ZERO)?;
        let shared_dedupe = self.shared_dedupe.map(|mut dedupe| {
            let window = session.config().dedupe_window();
            dedupe.set_window(window.unwrap_or(slackline::Config::DEFAULT_DEDUPE_WINDOW));
            dedupe
        });
        let mut tap = self.tap;
        if let Some(tap) = &mut tap {
            tap.header(slackline_transcript::Recorder::header(
                session.config(),
                None,
            ));
        }
        Ok(ClientParts {
            runtime: self.runtime,
            host: crate::host::SessionHost::new(session, tap),
            tls,
            proxy,
            concurrency: self.concurrency,
            handler_queue: self.handler_queue,
            http_timeout: self.http_timeout,
            close_timeout: self.close_timeout,
            routes: self.routes,
            shared_dedupe,
        })
    }
}

/// Jitter for reconnects should differ between processes; std's hasher keys are random.
fn random_seed() -> u64 {
    std::collections::hash_map::RandomState::new().hash_one(std::time::SystemTime::now())
}

impl<K: Kind> ClientBuilder<K, SocketModeRoutes<EnvelopeHandler<K>>> {
    /// Handles Events API envelopes whose `payload.event.type` is `event_type` (`app_mention`,
    /// `message`, ...). They were acked before the handler runs.
    pub fn on_event<F, Out>(mut self, event_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, K::Responder) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        let handler = envelope_handler::<K, _, _>(handler);
        self.routes.insert_event(event_type.into(), handler);
        self
    }

    /// Handles interactive envelopes whose `payload.type` is `payload_type` (`block_actions`,
    /// `view_submission`, `shortcut`, ...).
    pub fn on_interactive<F, Out>(mut self, payload_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, K::Responder) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        let handler = envelope_handler::<K, _, _>(handler);
        self.routes.insert_interactive(payload_type.into(), handler);
        self
    }

    /// Handles a slash command (`/deploy`, with the slash).
    pub fn on_command<F, Out>(mut self, command: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, K::Responder) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        let handler = envelope_handler::<K, _, _>(handler);
        self.routes.insert_command(command.into(), handler);
        self
    }

    /// Handles every envelope no specific handler took.
    pub fn on_envelope<F, Out>(mut self, handler: F) -> Self
    where
        F: Fn(Envelope, K::Responder) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        self.routes
            .set_fallback(envelope_handler::<K, _, _>(handler));
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

    /// Shares redelivery dedupe with the app's other processes: before an envelope is
    /// dispatched its key is claimed in `dedupe`'s store for the dedupe window; an envelope
    /// another process claimed is acked but not dispatched. When the store does not answer in
    /// time the envelope is dispatched anyway, on the local dedupe alone (see
    /// [`SharedDedupe`]). `slackline-redis` has the Redis store.
    pub fn shared_dedupe(mut self, dedupe: SharedDedupe) -> Self {
        self.shared_dedupe = Some(dedupe);
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
    pub fn build(self) -> Result<K::SocketModeClient, Error> {
        Ok(K::socket_mode(self.into_parts()?))
    }
}

impl<K: Kind> ClientBuilder<K, RtmRoutes<RtmHandler<K>>> {
    /// Handles RTM events of type `event_type` (`message`, `reaction_added`, ...).
    pub fn on_event<F, Out>(mut self, event_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(RtmEvent, K::RtmHandle) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        let handler: RtmHandler<K> =
            Arc::new(move |event, handle| handler(event, handle).into_task());
        self.routes.insert(event_type.into(), handler);
        self
    }

    /// Handles every RTM event no specific handler took.
    pub fn on_any<F, Out>(mut self, handler: F) -> Self
    where
        F: Fn(RtmEvent, K::RtmHandle) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        let handler: RtmHandler<K> =
            Arc::new(move |event, handle| handler(event, handle).into_task());
        self.routes.set_fallback(handler);
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
    pub fn build(self) -> Result<K::RtmClient, Error> {
        Ok(K::rtm(self.into_parts()?))
    }
}

fn envelope_handler<K, F, Out>(handler: F) -> EnvelopeHandler<K>
where
    K: Kind,
    F: Fn(Envelope, K::Responder) -> Out + Send + Sync + 'static,
    Out: IntoTask<K::Task>,
{
    Arc::new(move |envelope, responder| handler(envelope, responder).into_task())
}

impl<K: Kind, Routes: fmt::Debug> fmt::Debug for ClientBuilder<K, Routes> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("runtime", &self.runtime)
            .field("config", &self.config)
            .field("concurrency", &self.concurrency)
            .field("handler_queue", &self.handler_queue)
            .field("http_timeout", &self.http_timeout)
            .field("close_timeout", &self.close_timeout)
            .field("tls", &self.tls)
            .field("proxy", &self.proxy)
            .field("transcript", &self.tap.is_some())
            .field("routes", &self.routes)
            .finish()
    }
}
