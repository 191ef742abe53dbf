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

use slackline::{
    AckError, ApiError, ApiResponse, Config, Envelope, LateAckPolicy, RtmEvent, RtmStartOptions,
    Session, Token,
};
use slackline_types::command::SlashCommand;
use slackline_types::events::EventCallback;
use slackline_types::interactive::{
    BlockSuggestion, MessageAction, Shortcut, ViewClosed, ViewSubmission,
};
use slackline_types::payload::Payload;
use slackline_types::web::Paginated;

use crate::claim::SharedDedupe;
use crate::context::Context;
use crate::error::Error;
use crate::listen::{self, BlockAction, Hit, Listen, Pattern, ReplyTo};
use crate::proxy::{Proxy, ProxyChoice};
use crate::routes::{RtmRoutes, SocketModeRoutes};
use crate::stats::{HandlerOutput, HandlerStats};
use crate::tap::{Tap, TranscriptSink};
use crate::target::{check, Protocol};
use crate::tls::TlsConfig;
use crate::web::{web_client, Exchange, RetryPolicy, Transport, WebClient};

/// The TLS and proxy settings of both builders (the client's and the [`WebClient`]'s), over
/// their `tls: Option<TlsConfig>` and `proxy: ProxyChoice` fields.
macro_rules! transport_setters {
    () => {
        /// TLS settings (default: [`TlsConfig::webpki_roots`](crate::TlsConfig::webpki_roots)).
        pub fn tls(mut self, tls: $crate::TlsConfig) -> Self {
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
        /// `no_proxy` from the environment). See [`Proxy::no_proxy`](crate::Proxy::no_proxy).
        pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
            self.proxy.no_proxy(list.into());
            self
        }

        /// Connect directly, ignoring `HTTPS_PROXY`.
        pub fn without_proxy(mut self) -> Self {
            self.proxy.direct();
            self
        }
    };
}

pub(crate) use transport_setters;

/// Typed-route short-hands: `on_x(pattern, handler)` for `self.on(listen::x(pattern), handler)`.
macro_rules! typed_routes {
    ($($(#[$doc:meta])* $method:ident($key:ident: $arg:ty) => $listen:ident, $payload:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $method<F, Out>(self, $key: $arg, handler: F) -> Self
            where
                F: Fn($payload, Context<K>) -> Out + Send + Sync + 'static,
                Out: IntoTask<K::Task>,
            {
                self.on(listen::$listen($key), handler)
            }
        )*
    };
}

/// Work waiting for a handler slot before the client stops reading from Slack, by default.
pub const DEFAULT_HANDLER_QUEUE: usize = 128;
/// Bound on each WebSocket close handshake, by default.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// A family of drivers: what handlers get and return, how the built parts become a client, and
/// the few IO primitives the shared code (the [`WebClient`], the handlers' [`Context`]) is
/// written over: an HTTP exchange, an ack, and how a caller waits for either.
pub trait Kind: Sized + 'static {
    /// What the client runs on (an async runtime; nothing for threads).
    type Runtime: Clone + fmt::Debug + Send + Sync + 'static;
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

    /// What a call that waits on the network returns: a future to `.await` (async drivers),
    /// or its result (threads).
    type Io<T: Send + 'static>: Send + 'static;
    /// The driver's HTTP client (its TLS, proxy and timeout), for Web API calls and
    /// `response_url` posts. Cheap to clone.
    type Http: Clone + fmt::Debug + Send + Sync + 'static;
    /// The pages of a paginated method, one request each: a `Stream` (async drivers) or an
    /// `Iterator` (threads) of `Result<M::Response, ApiError>`.
    type Pages<M>
    where
        M: Paginated + Send + Sync + 'static,
        M::Response: Send + 'static;

    /// The Socket Mode client from its checked parts.
    fn socket_mode(parts: ClientParts<Self, SocketModeDispatch<Self>>) -> Self::SocketModeClient;
    /// The RTM client from its checked parts.
    fn rtm(parts: ClientParts<Self, RtmRoutes<RtmHandler<Self>>>) -> Self::RtmClient;

    /// An HTTP client with these settings.
    fn http(runtime: Self::Runtime, transport: Transport) -> Self::Http;
    /// Carries `exchange` out: POST what it says, sleep when it says, until it is done.
    fn exchange(http: &Self::Http, exchange: Exchange) -> Self::Io<Result<ApiResponse, ApiError>>;
    /// Acks through `responder`, bare or with a response payload (JSON text).
    fn ack(responder: Self::Responder, payload: Option<String>) -> Self::Io<Result<(), AckError>>;
    /// A value already there.
    fn ready<T: Send + 'static>(value: T) -> Self::Io<T>;
    /// `f` applied to what `io` gives.
    fn map<T: Send + 'static, U: Send + 'static>(
        io: Self::Io<T>,
        f: impl FnOnce(T) -> U + Send + 'static,
    ) -> Self::Io<U>;
    /// `io`, then what `f` makes of its value.
    fn then<T: Send + 'static, U: Send + 'static>(
        io: Self::Io<T>,
        f: impl FnOnce(T) -> Self::Io<U> + Send + 'static,
    ) -> Self::Io<U>;
    /// The pages from `request` on (see [`WebClient::paginate`]).
    fn pages<M>(web: WebClient<Self>, request: M) -> Self::Pages<M>
    where
        M: Paginated + Send + Sync + 'static,
        M::Response: Send + 'static;
}

/// A stored Socket Mode handler: called with the envelope (and its typed payload when a typed
/// route matched); `None` if it does not take it after all.
pub type EnvelopeHandler<K> = Arc<dyn Fn(Call<'_, K>) -> Option<<K as Kind>::Task> + Send + Sync>;

/// What a stored Socket Mode handler is called with.
pub struct Call<'a, K: Kind> {
    envelope: Envelope,
    responder: K::Responder,
    /// Boxed: the untyped path moves the call as small as it can.
    matched: Option<Box<(Payload, Hit)>>,
    helpers: &'a Helpers<K>,
}

impl<K: Kind> fmt::Debug for Call<'_, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("envelope", &self.envelope)
            .field("typed", &self.matched.is_some())
            .finish_non_exhaustive()
    }
}

/// What typed handlers' contexts are made with.
struct Helpers<K: Kind> {
    http: K::Http,
    web: Option<WebClient<K>>,
}

impl<K: Kind> Clone for Helpers<K> {
    fn clone(&self) -> Self {
        Helpers {
            http: self.http.clone(),
            web: self.web.clone(),
        }
    }
}

/// A Socket Mode client's handlers, ready to be called: the routes, and what typed handlers'
/// contexts need (the HTTP client, the bot's [`WebClient`]). Cheap to clone: the clones (one
/// per handler thread, on the blocking driver) share one table.
pub struct SocketModeDispatch<K: Kind>(Arc<DispatchTable<K>>);

struct DispatchTable<K: Kind> {
    routes: SocketModeRoutes<EnvelopeHandler<K>>,
    helpers: Helpers<K>,
    stats: HandlerStats,
}

impl<K: Kind> Clone for SocketModeDispatch<K> {
    fn clone(&self) -> Self {
        SocketModeDispatch(self.0.clone())
    }
}

impl<K: Kind> SocketModeDispatch<K> {
    /// The handler that takes `envelope`, to be called with [`Routed::call`] (by a driver after
    /// its shared-dedupe claim was won, if it has one). No handler: the envelope back, its
    /// responder dropped (which acks a deferred envelope at once).
    // The error hands the envelope back (to be watched, then dropped): boxing it would cost
    // an allocation for every envelope no handler takes.
    #[allow(clippy::result_large_err)]
    pub fn route(
        &self,
        envelope: Envelope,
        responder: K::Responder,
    ) -> Result<Routed<K>, Envelope> {
        let table = &*self.0;
        match table.routes.route(&envelope, Some(&table.stats)) {
            Some((handler, matched)) => Ok(Routed {
                handler: handler.clone(),
                matched,
                dispatch: self.clone(),
                envelope,
                responder,
            }),
            None => Err(envelope),
        }
    }

    /// The counters handlers report to.
    pub fn stats(&self) -> &HandlerStats {
        &self.0.stats
    }
}

impl<K: Kind> fmt::Debug for SocketModeDispatch<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketModeDispatch")
            .field("routes", &self.0.routes)
            .field("web", &self.0.helpers.web)
            .finish_non_exhaustive()
    }
}
/// An envelope routed to its handler, not called yet (see [`SocketModeDispatch::route`]).
/// Dropped uncalled, its responder goes with it (a deferred envelope is acked at once).
pub struct Routed<K: Kind> {
    handler: EnvelopeHandler<K>,
    matched: Option<Box<(Payload, Hit)>>,
    dispatch: SocketModeDispatch<K>,
    envelope: Envelope,
    responder: K::Responder,
}

impl<K: Kind> Routed<K> {
    /// The envelope.
    pub fn envelope(&self) -> &Envelope {
        &self.envelope
    }

    /// Calls the handler.
    pub fn call(self) -> Option<K::Task> {
        (self.handler)(Call {
            envelope: self.envelope,
            responder: self.responder,
            matched: self.matched,
            helpers: &self.dispatch.0.helpers,
        })
    }
}

impl<K: Kind> fmt::Debug for Routed<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Routed")
            .field("envelope", &self.envelope)
            .field("typed", &self.matched.is_some())
            .finish_non_exhaustive()
    }
}

/// A stored RTM handler.
pub type RtmHandler<K> =
    Arc<dyn Fn(RtmEvent, <K as Kind>::RtmHandle) -> <K as Kind>::Task + Send + Sync>;

/// A boxed, sendable future: what async drivers run for each handler call.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a handler returns, made into its driver's [`Kind::Task`]: for plain functions on
/// threads, `()` or a `Result<(), E>`; for the async drivers, a future (an `async` block) of
/// either. An `Err` is logged and counted in `stats` ([`HandlerStats`]).
pub trait IntoTask<Task> {
    /// The task.
    fn into_task(self, stats: &HandlerStats) -> Task;
}

impl<T: HandlerOutput> IntoTask<()> for T {
    fn into_task(self, stats: &HandlerStats) {
        self.report(stats)
    }
}

impl<F> IntoTask<BoxFuture<'static, ()>> for F
where
    F: Future + Send + 'static,
    F::Output: HandlerOutput,
{
    fn into_task(self, stats: &HandlerStats) -> BoxFuture<'static, ()> {
        F::Output::boxed(self, stats)
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
    /// The handlers' counters (drivers count panics here).
    pub stats: HandlerStats,
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
            stats,
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
            stats,
            routes: (),
            shared_dedupe,
        };
        (rest, routes)
    }
}

impl<K: Kind> ClientParts<K, ()> {
    /// These parts with `routes` as their handlers.
    pub fn with_routes<Routes>(self, routes: Routes) -> ClientParts<K, Routes> {
        ClientParts {
            runtime: self.runtime,
            host: self.host,
            tls: self.tls,
            proxy: self.proxy,
            concurrency: self.concurrency,
            handler_queue: self.handler_queue,
            http_timeout: self.http_timeout,
            close_timeout: self.close_timeout,
            stats: self.stats,
            routes,
            shared_dedupe: self.shared_dedupe,
        }
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
    seed: Option<u64>,
    web: Option<WebChoice<K>>,
    stats: HandlerStats,
    routes: Routes,
    shared_dedupe: Option<SharedDedupe>,
}

/// Where typed handlers' [`WebClient`] comes from.
enum WebChoice<K: Kind> {
    /// Made at build time from this token and the client's own settings.
    Token(Token),
    /// Given.
    Client(WebClient<K>),
}

impl<K: Kind> fmt::Debug for WebChoice<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebChoice::Token(token) => f.debug_tuple("Token").field(token).finish(),
            WebChoice::Client(client) => f.debug_tuple("Client").field(client).finish(),
        }
    }
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
            seed: None,
            web: None,
            stats: HandlerStats::default(),
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

    /// Seeds the reconnect jitter (default: a random seed per client, so that processes
    /// spread their reconnects). A fixed seed makes a run repeatable: tests in virtual time
    /// and replays of a transcript (whose header has the recorded seed) use one.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
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

    transport_setters!();

    /// The bot token (`xoxb-…`) the handlers' helpers post with (`say`, `Context::web`): a
    /// [`WebClient`] is made with it at build time, with this client's API URL, TLS, proxy and
    /// HTTP timeout. An app-level token cannot post messages, so Socket Mode bots need both.
    pub fn bot_token(mut self, token: impl Into<String>) -> Self {
        self.web = Some(WebChoice::Token(Token::new(token)));
        self
    }

    /// The [`WebClient`] the handlers' helpers use (instead of [`bot_token`](Self::bot_token)).
    pub fn web(mut self, client: WebClient<K>) -> Self {
        self.web = Some(WebChoice::Client(client));
        self
    }

    /// The handlers' counters: how many ran, returned an error, panicked (a clone of the
    /// client's; read it at any time).
    pub fn stats(&self) -> HandlerStats {
        self.stats.clone()
    }

    /// Checks everything that can be checked before connecting (the configuration, the API
    /// URL, TLS, the proxy) and starts the session at `Instant::ZERO`.
    fn into_parts(self) -> Result<(ClientParts<K, Routes>, Helpers<K>), Error> {
        check(self.config.api_url(), Protocol::Http)?;
        let tls = match self.tls {
            Some(tls) => tls,
            None => TlsConfig::webpki_roots()?,
        };
        let proxy = self.proxy.resolve()?;
        let transport = Transport {
            tls: tls.clone(),
            proxy: proxy.clone(),
            timeout: self.http_timeout,
        };
        let web = match self.web {
            Some(WebChoice::Client(client)) => Some(client),
            Some(WebChoice::Token(token)) => Some(web_client(
                self.runtime.clone(),
                transport.clone(),
                self.config.api_url().to_owned(),
                token,
                RetryPolicy::default(),
            )?),
            None => None,
        };
        let helpers = Helpers {
            http: K::http(self.runtime.clone(), transport),
            web,
        };
        let config = self
            .config
            .with_http_timeout(self.http_timeout)
            .with_seed(self.seed.unwrap_or_else(random_seed));
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
        let parts = ClientParts {
            runtime: self.runtime,
            host: crate::host::SessionHost::new(session, tap),
            tls,
            proxy,
            concurrency: self.concurrency,
            handler_queue: self.handler_queue,
            http_timeout: self.http_timeout,
            close_timeout: self.close_timeout,
            stats: self.stats,
            routes: self.routes,
            shared_dedupe,
        };
        Ok((parts, helpers))
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
        let handler = self.envelope_handler(handler);
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
        let handler = self.envelope_handler(handler);
        self.routes.insert_interactive(payload_type.into(), handler);
        self
    }

    /// Handles a slash command (`/deploy`, with the slash).
    pub fn on_command<F, Out>(mut self, command: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, K::Responder) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        let handler = self.envelope_handler(handler);
        self.routes.insert_command(command.into(), handler);
        self
    }

    /// Handles every envelope no specific handler took.
    pub fn on_envelope<F, Out>(mut self, handler: F) -> Self
    where
        F: Fn(Envelope, K::Responder) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        let handler = self.envelope_handler(handler);
        self.routes.set_fallback(handler);
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

    /// Every envelope waits for its handler's ack, whatever its type (default off): for apps
    /// that must not ack an envelope before they have taken care of it (written it out, stored
    /// it, passed it on). The handler acks through its responder (dropping a responder still
    /// acks at once). With [`ack_policy`](Self::ack_policy)`(deadline, LateAckPolicy::Report)`
    /// nothing is ever acked on the app's behalf, at the deadline or at shutdown.
    pub fn app_acks(mut self, on: bool) -> Self {
        self.config = self.config.with_app_acks(on);
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
        let (parts, helpers) = self.into_parts()?;
        let (rest, routes) = parts.split_routes();
        let dispatch = SocketModeDispatch(Arc::new(DispatchTable {
            routes,
            helpers,
            stats: rest.stats.clone(),
        }));
        Ok(K::socket_mode(rest.with_routes(dispatch)))
    }

    fn envelope_handler<F, Out>(&self, handler: F) -> EnvelopeHandler<K>
    where
        F: Fn(Envelope, K::Responder) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        let stats = self.stats.clone();
        Arc::new(move |call: Call<'_, K>| {
            stats.handled();
            Some(handler(call.envelope, call.responder).into_task(&stats))
        })
    }

    /// Handles what `listener` matches, with its typed payload and a [`Context`] (ack, answer
    /// in the ack, `respond`, `say`). Typed routes are tried before the untyped ones of the
    /// same key, in the order they were added; the first that matches takes the envelope.
    ///
    /// ```ignore
    /// .on(listen::action(Regex::new("^vote_")?).block("poll"), |vote, ctx| async move { /* … */ })
    /// .on(listen::event("app_mention"), |callback, ctx| async move { /* … */ })
    /// ```
    pub fn on<P, F, Out>(mut self, listener: Listen<P>, handler: F) -> Self
    where
        P: Send + 'static,
        F: Fn(P, Context<K>) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        let Listen {
            table,
            key,
            matcher,
            take,
        } = listener;
        let stats = self.stats.clone();
        let handler: EnvelopeHandler<K> = Arc::new(move |call: Call<'_, K>| {
            let (payload, hit) = *call.matched?;
            let reply = ReplyTo::of(&payload);
            let payload = take(payload, &hit)?;
            let helpers = call.helpers;
            let ctx = Context::new(
                call.envelope,
                call.responder,
                reply,
                hit.captures,
                helpers.http.clone(),
                helpers.web.clone(),
            );
            stats.handled();
            Some(handler(payload, ctx).into_task(&stats))
        });
        self.routes.listen(table, key, matcher, handler);
        self
    }

    typed_routes! {
        /// Handles `message` events whose text contains (a string) or matches (a
        /// [`Regex`](crate::Regex)) `pattern`, except the bot's own; the captures are in
        /// [`Context::matches`]. See [`listen::message`].
        on_message(pattern: impl Into<Pattern>) => message, EventCallback;
        /// Handles `block_actions` with an action whose `action_id` is (or matches)
        /// `action_id`; the handler gets that action and the payload. See [`listen::action`]
        /// to match by `block_id` too.
        on_action(action_id: impl Into<Pattern>) => action, BlockAction;
        /// Handles `view_submission` of views whose `callback_id` is (or matches)
        /// `callback_id`; answer in the ack (`ack_with(&ResponseAction::errors(...))`,
        /// `update`, `push`, `clear`).
        on_view_submission(callback_id: impl Into<Pattern>) => view_submission, ViewSubmission;
        /// Handles `view_closed` of views whose `callback_id` is (or matches) `callback_id`.
        on_view_closed(callback_id: impl Into<Pattern>) => view_closed, ViewClosed;
        /// Handles a global shortcut by `callback_id`.
        on_shortcut(callback_id: impl Into<Pattern>) => shortcut, Shortcut;
        /// Handles a message shortcut (`message_action`) by `callback_id`.
        on_message_shortcut(callback_id: impl Into<Pattern>) => message_shortcut, MessageAction;
        /// Handles `block_suggestion` from an external select whose `action_id` is (or
        /// matches) `action_id`: answer with `ack_with(&OptionsResponse::options(...))`.
        on_options(action_id: impl Into<Pattern>) => options, BlockSuggestion;
        /// Handles a slash command (`/deploy`, with the slash) with its typed payload: answer
        /// in the ack (`ack_with(&MessageResponse::ephemeral(...))`) or with `respond`.
        on_slash_command(command: impl Into<String>) => command, SlashCommand;
    }
}

impl<K: Kind> ClientBuilder<K, RtmRoutes<RtmHandler<K>>> {
    /// Handles RTM events of type `event_type` (`message`, `reaction_added`, ...).
    pub fn on_event<F, Out>(mut self, event_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(RtmEvent, K::RtmHandle) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        let handler = self.rtm_handler(handler);
        self.routes.insert(event_type.into(), handler);
        self
    }

    /// Handles every RTM event no specific handler took.
    pub fn on_any<F, Out>(mut self, handler: F) -> Self
    where
        F: Fn(RtmEvent, K::RtmHandle) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        let handler = self.rtm_handler(handler);
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
        Ok(K::rtm(self.into_parts()?.0))
    }

    fn rtm_handler<F, Out>(&self, handler: F) -> RtmHandler<K>
    where
        F: Fn(RtmEvent, K::RtmHandle) -> Out + Send + Sync + 'static,
        Out: IntoTask<K::Task>,
    {
        let stats = self.stats.clone();
        Arc::new(move |event, handle| {
            stats.handled();
            handler(event, handle).into_task(&stats)
        })
    }
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
            .field("web", &self.web)
            .field("routes", &self.routes)
            .finish()
    }
}
