//! The client under test, described without naming a driver: what to build ([`Setup`]), which
//! handlers to install ([`Route`], [`Behaviour`]) and what a test can do with it ([`Client`]).
//! Each driver implements [`Client`] once; the scenarios are written once against it.

use slackline_client::types::response::MessageResponse;
use slackline_client::types::web::{auth, chat, conversations, files};
use slackline_client::{ClientBuilder, Context, EnvelopeHandler, HandlerStats, IntoTask, Kind};
use slackline_client::{Regex, SocketModeRoutes};
use std::fmt;
use std::sync::mpsc;
use std::time::Duration;

use slackline::{ApiError, Config, Envelope, Event};
use slackline_async_driver::{Error, RtmError, Sent, TlsConfig};

use crate::drivers::ms;

/// Which protocol a client speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    SocketMode,
    Rtm,
}

/// Where a handler is installed.
#[derive(Clone, Debug)]
pub enum Route {
    /// `on_event` (Socket Mode: Events API by event type).
    Event(&'static str),
    /// `on_interactive` (by `payload.type`: `block_actions`, `view_submission`, ...).
    Interactive(&'static str),
    /// `on_command`.
    Command(&'static str),
    /// `on_envelope`: the Socket Mode catch-all.
    AnyEnvelope,
    /// RTM `on_event`.
    Rtm(&'static str),
    /// A typed route ([`Behaviour::Steps`] only).
    Typed(Typed),
}

/// A typed route, as the builders' `on_*` / `on(listen::…)` methods take it.
#[derive(Clone, Debug)]
pub enum Typed {
    /// `on_action(id)`: `action_id` exactly.
    Action(&'static str),
    /// `on(listen::action(Regex))`: `action_id` by pattern.
    ActionMatching(&'static str),
    /// `on(listen::block(id))`: by `block_id`.
    Block(&'static str),
    /// `on_message(Regex)`: message text by pattern.
    Message(&'static str),
    /// `on_view_submission(callback_id)`.
    ViewSubmission(&'static str),
    /// `on_view_closed(callback_id)`.
    ViewClosed(&'static str),
    /// `on_shortcut(callback_id)`.
    Shortcut(&'static str),
    /// `on_options(action_id)`.
    Options(&'static str),
    /// `on_slash_command(command)`.
    Command(&'static str),
    /// `on(listen::event(type))`.
    Event(&'static str),
}

/// What a typed handler does, in order; each step but `Fail` and `Panic` reports a line.
#[derive(Clone, Debug)]
pub enum Step {
    /// Reports `"<label> <envelope id>"`, plus `" <captures joined by |>"` if a pattern
    /// captured anything.
    Report(&'static str),
    /// `ctx.ack()`: reports `"ack <outcome>"`.
    Ack,
    /// `ctx.ack_with(payload)`: reports `"ack_with <outcome>"`.
    AckWith(serde_json::Value),
    /// `ctx.respond(message)`: reports `"respond <outcome>"`.
    Respond(MessageResponse),
    /// `ctx.say(text)`: reports `"say <outcome>"`.
    Say(&'static str),
    /// Returns `Err` (the client counts it as failed).
    Fail,
    /// Panics.
    Panic,
}

/// `Ok`, or `Err(<code or error>)`: how step outcomes are reported.
pub fn outcome<T, E: fmt::Display>(result: &Result<T, E>) -> String {
    match result {
        Ok(_) => "Ok".into(),
        Err(error) => format!("Err({error})"),
    }
}

/// The line a [`Step::Report`] writes.
pub fn report_line(label: &str, envelope: &Envelope, captures: &[Option<String>]) -> String {
    let mut line = format!("{label} {}", envelope.envelope_id());
    if !captures.is_empty() {
        let captures: Vec<&str> = captures
            .iter()
            .map(|c| c.as_deref().unwrap_or(""))
            .collect();
        line.push(' ');
        line.push_str(&captures.join("|"));
    }
    line
}

/// Makes typed handlers that run [`Step`]s, for one driver family: a driver's tests implement
/// it (awaiting each helper, or calling it) and [`add_typed`] registers the routes.
pub trait StepRunner<K: Kind>: Send + Sync + 'static {
    /// What the handler returns: `Err` for [`Step::Fail`].
    type Out: IntoTask<K::Task>;

    /// A handler for payload `P` running `steps`, reporting to `log`.
    fn handler<P: Send + 'static>(
        steps: Vec<Step>,
        log: mpsc::Sender<String>,
    ) -> Box<dyn Fn(P, Context<K>) -> Self::Out + Send + Sync>;
}

/// A Socket Mode builder of any driver.
pub type SocketModeBuilderOf<K> = ClientBuilder<K, SocketModeRoutes<EnvelopeHandler<K>>>;

/// Registers a Socket Mode setup's routes on a builder of any driver: untyped ones with the
/// driver's handlers (`untyped`), typed ones running their [`Step`]s (made by `S`).
pub fn socket_mode_routes<K, S, H, Out>(
    mut builder: SocketModeBuilderOf<K>,
    routes: Vec<(Route, Behaviour)>,
    untyped: impl Fn(Behaviour) -> H,
) -> SocketModeBuilderOf<K>
where
    K: Kind,
    S: StepRunner<K>,
    H: Fn(Envelope, K::Responder) -> Out + Send + Sync + 'static,
    Out: IntoTask<K::Task>,
{
    for (route, behaviour) in routes {
        builder = match (route, behaviour) {
            (Route::Typed(typed), Behaviour::Steps(steps, log)) => {
                add_typed::<K, S>(builder, typed, steps, log)
            }
            (Route::Typed(_), _) => panic!("typed routes run steps"),
            (Route::Event(kind), b) => builder.on_event(kind, untyped(b)),
            (Route::Interactive(kind), b) => builder.on_interactive(kind, untyped(b)),
            (Route::Command(command), b) => builder.on_command(command, untyped(b)),
            (Route::AnyEnvelope, b) => builder.on_envelope(untyped(b)),
            (Route::Rtm(_), _) => panic!("an RTM route on a Socket Mode client"),
        };
    }
    builder
}

/// Registers a typed route whose handler runs `steps` (made by `S`).
pub fn add_typed<K, S>(
    builder: SocketModeBuilderOf<K>,
    route: Typed,
    steps: Vec<Step>,
    log: mpsc::Sender<String>,
) -> SocketModeBuilderOf<K>
where
    K: Kind,
    S: StepRunner<K>,
{
    let regex = |pattern: &str| Regex::new(pattern).expect("a test pattern");
    use slackline_client::listen;
    match route {
        Typed::Action(id) => builder.on_action(id, S::handler(steps, log)),
        Typed::ActionMatching(p) => builder.on(listen::action(regex(p)), S::handler(steps, log)),
        Typed::Block(id) => builder.on(listen::block(id), S::handler(steps, log)),
        Typed::Message(p) => builder.on_message(regex(p), S::handler(steps, log)),
        Typed::ViewSubmission(id) => builder.on_view_submission(id, S::handler(steps, log)),
        Typed::ViewClosed(id) => builder.on_view_closed(id, S::handler(steps, log)),
        Typed::Shortcut(id) => builder.on_shortcut(id, S::handler(steps, log)),
        Typed::Options(id) => builder.on_options(id, S::handler(steps, log)),
        Typed::Command(name) => builder.on_slash_command(name, S::handler(steps, log)),
        Typed::Event(kind) => builder.on(listen::event(kind), S::handler(steps, log)),
    }
}

/// A counting gate handlers wait at; the test opens it one permit at a time.
#[derive(Clone, Debug)]
pub struct Gate {
    pub tx: async_channel::Sender<()>,
    pub rx: async_channel::Receiver<()>,
}

impl Gate {
    pub fn new() -> Gate {
        let (tx, rx) = async_channel::unbounded();
        Gate { tx, rx }
    }

    /// Lets `n` waiting (or future) handlers through.
    pub fn open(&self, n: usize) {
        for _ in 0..n {
            let _ = self.tx.try_send(());
        }
    }
}

impl Default for Gate {
    fn default() -> Self {
        Self::new()
    }
}

/// What a handler does. Reports go to a std channel as text, for the test to compare.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// Reports `"<label> <envelope id>"` (RTM: `"<label> <event type>"`).
    Report(&'static str, mpsc::Sender<String>),
    /// Reports `"start <id>"`, waits at the gate, acks (with `payload` if given, bare if
    /// `Some(None)`, not at all if `None`), then reports `"done <id> <ack result:?>"`.
    Hold {
        log: mpsc::Sender<String>,
        gate: Gate,
        ack: Option<Option<serde_json::Value>>,
    },
    /// Panics.
    Panic,
    /// RTM: answers a message event with `"echo: <text>"` in C1 and sends the outcome.
    Echo(mpsc::Sender<Result<Sent, RtmError>>),
    /// A typed handler ([`Route::Typed`]) running these steps.
    Steps(Vec<Step>, mpsc::Sender<String>),
}

/// Everything the client under test is built from.
pub struct Setup {
    pub protocol: Protocol,
    pub token: String,
    pub api_url: String,
    /// Session settings (shortened timings by default).
    pub configure: Box<dyn FnOnce(Config) -> Config + Send>,
    pub close_timeout: Duration,
    pub tls: Option<TlsConfig>,
    pub proxy: Option<String>,
    pub no_proxy: Option<String>,
    pub ordered: bool,
    pub concurrency: Option<usize>,
    pub handler_queue: Option<usize>,
    /// `bot_token(...)`: for typed handlers' `say`.
    pub bot_token: Option<String>,
    pub routes: Vec<(Route, Behaviour)>,
}

impl Setup {
    /// Socket Mode with 100 ms pings, a 300 ms pong deadline and quick backoff, so each
    /// scenario takes well under a few seconds.
    pub fn socket_mode(token: &str, api_url: &str) -> Setup {
        Setup::new(Protocol::SocketMode, token, api_url).configure(|c| {
            c.with_ping_interval(ms(100))
                .with_pong_timeout(ms(300))
                .with_backoff(ms(20), ms(200))
                .with_shutdown_timeout(Duration::from_secs(2))
        })
    }

    /// RTM with long liveness pings (kept out of the script) and 10 ms message pacing.
    pub fn rtm(token: &str, api_url: &str) -> Setup {
        Setup::new(Protocol::Rtm, token, api_url).configure(|c| {
            c.with_ping_interval(Duration::from_secs(30))
                .with_rtm_send_interval(ms(10))
        })
    }

    fn new(protocol: Protocol, token: &str, api_url: &str) -> Setup {
        Setup {
            protocol,
            token: token.to_owned(),
            api_url: api_url.to_owned(),
            configure: Box::new(|c| c),
            close_timeout: ms(300),
            tls: None,
            proxy: None,
            no_proxy: None,
            ordered: false,
            concurrency: None,
            handler_queue: None,
            bot_token: None,
            routes: Vec::new(),
        }
    }

    pub fn bot_token(mut self, token: &str) -> Setup {
        self.bot_token = Some(token.to_owned());
        self
    }

    /// Adds session settings on top of the ones so far.
    pub fn configure(mut self, f: impl FnOnce(Config) -> Config + Send + 'static) -> Setup {
        let before = self.configure;
        self.configure = Box::new(move |c| f(before(c)));
        self
    }

    pub fn route(mut self, route: Route, behaviour: Behaviour) -> Setup {
        self.routes.push((route, behaviour));
        self
    }

    pub fn tls(mut self, tls: TlsConfig) -> Setup {
        self.tls = Some(tls);
        self
    }

    pub fn proxy(mut self, url: String, no_proxy: Option<&str>) -> Setup {
        self.proxy = Some(url);
        self.no_proxy = no_proxy.map(str::to_owned);
        self
    }

    pub fn ordered(mut self) -> Setup {
        self.ordered = true;
        self
    }

    pub fn limits(mut self, concurrency: usize, handler_queue: usize) -> Setup {
        self.concurrency = Some(concurrency);
        self.handler_queue = Some(handler_queue);
        self
    }
}

/// An RTM send made from outside a handler.
#[derive(Clone, Debug)]
pub enum RtmOp {
    Message(&'static str, &'static str),
    Typing(&'static str),
    Ping,
}

/// A Web API client to build.
#[derive(Clone, Debug)]
pub struct WebSetup {
    pub token: String,
    pub api_url: String,
    pub tls: Option<TlsConfig>,
    pub proxy: Option<String>,
    pub rate_limit_retries: Option<u32>,
}

impl WebSetup {
    pub fn new(token: &str, api_url: &str) -> WebSetup {
        WebSetup {
            token: token.to_owned(),
            api_url: api_url.to_owned(),
            tls: None,
            proxy: None,
            rate_limit_retries: None,
        }
    }
}

/// A Web API client under test; calls block until they return. Clones share the client (and
/// its rate limits).
pub trait Web: Clone + Send + 'static {
    fn auth_test(&self) -> Result<auth::TestResponse, ApiError>;
    fn chat_post_message(
        &self,
        channel: &str,
        text: &str,
    ) -> Result<chat::MessageResponse, ApiError>;
    /// `paginate(conversations::History::new(channel).limit(limit))`, every item it gives.
    fn history(
        &self,
        channel: &str,
        limit: u32,
    ) -> Vec<Result<conversations::MessagesPage, ApiError>>;
    /// `upload_file(filename, bytes, …)`, completed with [`upload_completion`].
    fn upload(
        &self,
        filename: &str,
        bytes: &'static [u8],
    ) -> Result<files::CompleteUploadResponse, ApiError>;
}

/// How the test uploads are completed: titled `Report`, shared in C1.
pub fn upload_completion(upload: files::UploadUrl) -> files::CompleteUploadExternal {
    upload.complete("Report").channel_id("C1")
}

pub(crate) use crate::{APP_TOKEN, BOT_TOKEN};

/// A running client under test. Every wait is bounded by [`PATIENCE`](crate::drivers::PATIENCE).
pub trait Client: Sized {
    type Web: Web;

    /// Builds the client (the error if it is refused).
    fn build(setup: Setup) -> Result<Self, Error>;

    /// Builds and starts the client: `run()` goes on in the background.
    fn launch(setup: Setup) -> Self {
        match Self::build(setup) {
            Ok(client) => client.start(),
            Err(error) => panic!("the client was refused: {error}"),
        }
    }

    /// Starts `run()` in the background.
    fn start(self) -> Self;

    /// The next lifecycle event `wanted` accepts (earlier ones are skipped).
    fn next_event(&mut self, what: &str, wanted: &dyn Fn(&Event) -> bool) -> Event;

    /// Asks for a graceful shutdown (does not wait for it).
    fn shutdown(&self);

    /// Waits for `run()` to return.
    fn finish(self) -> Result<(), Error>;

    /// An RTM send from outside the handlers; the receiver gets its outcome (`None` for typing).
    fn rtm(&self, op: RtmOp) -> mpsc::Receiver<Result<Option<Sent>, RtmError>>;

    /// `Debug` of the built client, to check it hides the token.
    fn debug(&self) -> String;

    /// The handlers' counters (live: read them after `finish` for the final counts).
    fn stats(&self) -> HandlerStats;

    fn web(setup: WebSetup) -> Result<Self::Web, Error>;
}

pub(crate) fn is_hello(event: &Event) -> bool {
    matches!(event, Event::Hello(_))
}

/// Waits for the client's `hello` and returns its connection.
pub(crate) fn hello_conn<C: Client>(client: &mut C) -> slackline::ConnId {
    match client.next_event("hello", &is_hello) {
        Event::Hello(hello) => hello.conn,
        _ => unreachable!(),
    }
}

/// Shuts down and expects a clean `Ok(())`.
pub(crate) fn shut_down<C: Client>(client: C) {
    client.shutdown();
    client.finish().expect("a clean shutdown");
}

impl Setup {
    /// Applies the settings every scenario shares to a client builder of any driver.
    pub fn apply<K: Kind, M>(&mut self, mut builder: ClientBuilder<K, M>) -> ClientBuilder<K, M> {
        let configure = std::mem::replace(&mut self.configure, Box::new(|c| c));
        builder = builder
            .api_url(&self.api_url)
            .configure(configure)
            .close_timeout(self.close_timeout);
        if let Some(tls) = self.tls.take() {
            builder = builder.tls(tls);
        }
        builder = match self.proxy.take() {
            Some(url) => builder.proxy(url),
            None => builder.without_proxy(),
        };
        if let Some(list) = self.no_proxy.take() {
            builder = builder.no_proxy(list);
        }
        if self.ordered {
            builder = builder.ordered();
        }
        if let Some(n) = self.concurrency {
            builder = builder.concurrency(n);
        }
        if let Some(n) = self.handler_queue {
            builder = builder.handler_queue(n);
        }
        if let Some(token) = self.bot_token.take() {
            builder = builder.bot_token(token);
        }
        builder
    }
}
