//! The app-facing clients: built with the shared [`ClientBuilder`], run on any [`Runtime`].

use std::fmt;
use std::marker::PhantomData;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_channel::{mpsc, oneshot};
use futures_util::future::{select, Either};
use futures_util::{Stream, StreamExt};
use slackline::{AckError, ApiError, ApiResponse, Event, StopReason};
use slackline_client::types::web::Paginated;
use slackline_client::{
    websocket_config, BoxFuture, ClientBuilder, ClientParts, EnvelopeHandler, Error, Exchange,
    HandlerStats, Kind, RtmHandler, RtmRoutes, SocketModeDispatch, SocketModeRoutes, Transport,
};
use tracing::Instrument;

use crate::command::{ClientHandle, COMMAND_CAPACITY};
use crate::dispatch::{Dispatcher, InOrderObserver, Router};
use crate::driver::{Driver, DriverParts};
use crate::http::HttpClient;
use crate::responder::Responder;
use crate::rtm_handle::RtmHandle;
use crate::runtime::Runtime;
use crate::stream::Connector;
use crate::tasks::TaskTracker;
use crate::web::{Pages, WebClient};
use crate::websocket::WsSetup;

/// Handlers allowed to run at once, by default.
pub const DEFAULT_CONCURRENCY: usize = 64;
/// Lifecycle events buffered for a slow observer before they are dropped.
const EVENT_CAPACITY: usize = 256;

/// The async driver family on runtime `R`: handlers are `async` closures, run as tasks.
pub struct AsyncKind<R>(PhantomData<R>);

impl<R> fmt::Debug for AsyncKind<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AsyncKind")
    }
}

impl<R: Runtime> Kind for AsyncKind<R> {
    type Runtime = R;
    type Responder = Responder;
    type RtmHandle = RtmHandle;
    type Task = BoxFuture<'static, ()>;
    type SocketModeClient = SocketModeClient<R>;
    type RtmClient = RtmClient<R>;
    const DEFAULT_CONCURRENCY: usize = DEFAULT_CONCURRENCY;
    type Io<T: Send + 'static> = BoxFuture<'static, T>;
    type Http = HttpClient<R>;
    type Pages<M>
        = Pages<R, M>
    where
        M: Paginated + Send + Sync + 'static,
        M::Response: Send + 'static;

    fn socket_mode(parts: ClientParts<Self, SocketModeDispatch<Self>>) -> SocketModeClient<R> {
        SocketModeClient {
            core: ClientCore::new(parts, Router::SocketMode),
        }
    }

    fn rtm(parts: ClientParts<Self, RtmRoutes<RtmHandler<Self>>>) -> RtmClient<R> {
        RtmClient {
            core: ClientCore::new(parts, Router::Rtm),
        }
    }

    fn http(runtime: R, transport: Transport) -> HttpClient<R> {
        let connector = Connector {
            tls: transport.tls,
            proxy: transport.proxy,
        };
        HttpClient::new(runtime, connector, transport.timeout)
    }

    fn exchange(
        http: &HttpClient<R>,
        exchange: Exchange,
    ) -> BoxFuture<'static, Result<ApiResponse, ApiError>> {
        Box::pin(crate::web::exchange(http.clone(), exchange))
    }

    fn ack(
        responder: Responder,
        payload: Option<String>,
    ) -> BoxFuture<'static, Result<(), AckError>> {
        Box::pin(async move {
            let mut responder = responder;
            responder.send(payload).await
        })
    }

    fn ready<T: Send + 'static>(value: T) -> BoxFuture<'static, T> {
        Box::pin(std::future::ready(value))
    }

    fn map<T: Send + 'static, U: Send + 'static>(
        io: BoxFuture<'static, T>,
        f: impl FnOnce(T) -> U + Send + 'static,
    ) -> BoxFuture<'static, U> {
        Box::pin(async move { f(io.await) })
    }

    fn then<T: Send + 'static, U: Send + 'static>(
        io: BoxFuture<'static, T>,
        f: impl FnOnce(T) -> BoxFuture<'static, U> + Send + 'static,
    ) -> BoxFuture<'static, U> {
        Box::pin(async move { f(io.await).await })
    }

    fn pages<M>(web: WebClient<R>, request: M) -> Pages<R, M>
    where
        M: Paginated + Send + Sync + 'static,
        M::Response: Send + 'static,
    {
        Pages::new(web, request)
    }
}

/// The builder of a [`SocketModeClient`] on runtime `R`.
pub type SocketModeBuilder<R> =
    ClientBuilder<AsyncKind<R>, SocketModeRoutes<EnvelopeHandler<AsyncKind<R>>>>;
/// The builder of an [`RtmClient`] on runtime `R`.
pub type RtmBuilder<R> = ClientBuilder<AsyncKind<R>, RtmRoutes<RtmHandler<AsyncKind<R>>>>;

/// What both clients share: a session not yet started and the plumbing around it.
struct ClientCore<R: Runtime> {
    parts: ClientParts<AsyncKind<R>, ()>,
    router: Router<R>,
    handle: ClientHandle,
    commands: mpsc::Receiver<slackline_client::Command>,
    in_order: Option<InOrderObserver>,
}

impl<R: Runtime> ClientCore<R> {
    fn new<Routes>(
        parts: ClientParts<AsyncKind<R>, Routes>,
        router: impl FnOnce(Routes) -> Router<R>,
    ) -> Self {
        let (parts, routes) = parts.split_routes();
        let (commands_tx, commands) = mpsc::channel(COMMAND_CAPACITY);
        ClientCore {
            parts,
            router: router(routes),
            handle: ClientHandle {
                commands: Arc::new(commands_tx),
            },
            commands,
            in_order: None,
        }
    }

    fn observe_in_order(&mut self, observer: InOrderObserver) {
        self.parts.host.events_in_order();
        self.in_order = Some(observer);
    }

    fn events(&mut self) -> EventStream {
        self.in_order = None;
        let (mut tx, rx) = mpsc::channel(EVENT_CAPACITY);
        self.parts.host.observe(Box::new(move |event| {
            // Observation is best effort: a slow observer loses events, never stalls the loop.
            if tx.try_send(event).is_err() && !tx.is_closed() {
                tracing::debug!("event observer lagging; event dropped");
            }
        }));
        EventStream(rx)
    }

    async fn run(self, protocol: &'static str) -> Result<(), Error> {
        let ClientCore {
            parts,
            router,
            handle,
            commands,
            in_order,
        } = self;
        let runtime = parts.runtime;
        let span = tracing::info_span!("slackline", protocol);
        let (work_tx, work_rx) = crate::work_queue::work_queue(parts.handler_queue);
        let handlers = TaskTracker::new();
        let dispatcher = Dispatcher {
            runtime: runtime.clone(),
            observer: in_order,
            router,
            stats: parts.stats.clone(),
            client: handle,
            concurrency: parts.concurrency,
            work: work_rx,
            shared_dedupe: parts.shared_dedupe,
            token: handlers.token(),
        };
        runtime.spawn(Box::pin(dispatcher.run().instrument(span.clone())));
        let connector = Connector {
            tls: parts.tls,
            proxy: parts.proxy,
        };
        let max_frame = parts.host.session().config().max_inbound_frame();
        let ws = WsSetup {
            runtime: runtime.clone(),
            connector: connector.clone(),
            config: websocket_config(max_frame),
            close_timeout: parts.close_timeout,
        };
        let driver = Driver::new(DriverParts {
            host: parts.host,
            http: HttpClient::new(runtime.clone(), connector, parts.http_timeout),
            ws,
            commands,
            work: work_tx,
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
    pub fn builder(app_token: impl Into<String>) -> SocketModeBuilder<R> {
        Self::builder_on(R::default(), app_token)
    }
}

impl<R: Runtime> SocketModeClient<R> {
    /// A builder on a given runtime value.
    pub fn builder_on(runtime: R, app_token: impl Into<String>) -> SocketModeBuilder<R> {
        ClientBuilder::socket_mode(runtime, app_token)
    }

    /// A handle to shut the client down from elsewhere.
    pub fn handle(&self) -> ClientHandle {
        self.core.handle.clone()
    }

    /// The handlers' counters: how many ran, returned an error, panicked (read them at any
    /// time, from any task; they keep counting while the client runs).
    pub fn stats(&self) -> HandlerStats {
        self.core.parts.stats.clone()
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

    /// Lifecycle events, in order with the envelopes: `observer` is called on the handler
    /// dispatcher with each event where the session produced it among the envelopes, so that
    /// in ordered mode ([`ordered`](slackline_client::ClientBuilder::ordered)) it runs after
    /// the handlers of the envelopes that came before it and before those that came after (a
    /// `hello` before the envelopes it introduced). Lossless, unlike [`events`](Self::events),
    /// which it replaces (and which replaces it); `observer` must not block or wait, as it holds
    /// up the handlers.
    pub fn observe_in_order(&mut self, observer: impl FnMut(Event) + Send + 'static) {
        self.core.observe_in_order(Box::new(observer));
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
    pub fn builder(token: impl Into<String>) -> RtmBuilder<R> {
        Self::builder_on(R::default(), token)
    }
}

impl<R: Runtime> RtmClient<R> {
    /// A builder on a given runtime value.
    pub fn builder_on(runtime: R, token: impl Into<String>) -> RtmBuilder<R> {
        ClientBuilder::rtm(runtime, token)
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

    /// Lifecycle events in order with the RTM events; see
    /// [`SocketModeClient::observe_in_order`].
    pub fn observe_in_order(&mut self, observer: impl FnMut(Event) + Send + 'static) {
        self.core.observe_in_order(Box::new(observer));
    }

    /// The handlers' counters; see [`SocketModeClient::stats`].
    pub fn stats(&self) -> HandlerStats {
        self.core.parts.stats.clone()
    }

    /// Connects and serves until the session stops; see [`SocketModeClient::run`].
    pub async fn run(self) -> Result<(), Error> {
        self.core.run("rtm").await
    }
}

impl<R: Runtime> fmt::Debug for ClientCore<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.parts.host)
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
