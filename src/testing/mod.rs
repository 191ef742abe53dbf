//! Testing bots in process: a [`Session`] wired to a [`FakeSlack`] in virtual time.
//!
//! The [`Harness`] carries every action of the session to the fake and every output of the fake
//! back, with a fixed one-way latency, and always jumps to the earliest thing that can happen
//! next (a deadline of either side, a packet arriving, a wake-up the bot asked for), as str0m's
//! and quinn's two-peer tests do. No sockets, no sleeps: a script that spans five hours of
//! connection refreshes runs in milliseconds, and the same script gives the same run every time.
//!
//! Your bot is a closure (or a [`Bot`]) that sees every dispatched [`Event`] and reacts through
//! [`Ctx`]: ack with a response payload, send RTM messages, call the Web API, wake up later.
//! The run returns an [`Outcome`]: the events, the frames the client sent, the fake's
//! [`Verdict`], and optionally a [`Transcript`].
//!
//! ```
//! use serde_json::json;
//! use slackline::fake::Script;
//! use slackline::testing::{Ctx, Harness};
//! use slackline::{Config, Event};
//!
//! let script = Script::parse(r#"
//! {"slackline_script":1,"name":"echo"}
//! {"envelope":{"type":"slash_commands","payload":{"command":"/echo","text":"hi"}},"label":"cmd"}
//! {"after":"5h","envelope":{"type":"events_api","payload":{"event_id":"Ev1","event":{"type":"app_mention"}}}}
//! {"after":"1s","disconnect":"link_disabled"}
//! "#).unwrap();
//!
//! let config = Config::socket_mode("xapp-1-A0FAKEAPP01-1-not-a-real-token");
//! let outcome = Harness::new(config, script).unwrap().run(|ctx: &mut Ctx<'_>, event: &Event| {
//!     // Slash commands wait for the app's ack, which may carry the response.
//!     if let Event::Envelope(envelope) = event {
//!         if envelope.accepts_response_payload() {
//!             let id = envelope.envelope_id().into_owned();
//!             ctx.ack_with(&id, &json!({ "text": "echo: hi" })).unwrap();
//!         }
//!     }
//! });
//!
//! assert!(outcome.verdict.ok, "{}", outcome.verdict.summary_text());
//! assert_eq!(outcome.verdict.summary.acks_with_payload, 1);
//! assert_eq!(outcome.envelopes().count(), 2);
//! // Five hours of virtual time: the connection was refreshed on the way.
//! assert!(outcome.stats.hellos >= 2);
//! ```

mod network;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;

use crate::action::Action;
use crate::config::{Config, ConfigError};
use crate::envelope::Envelope;
use crate::event::{Event, StopReason};
use crate::fake::{ApiRequest, CallId, FakeConfig, FakeSlack, Output, Script, SocketId, Verdict};
use crate::ids::{ConnId, RequestId};
use crate::rtm::SendError;
use crate::session::{AckError, Session, Stats};
use crate::time::Instant;
use crate::transcript::{Recorder, Transcript};
use crate::webapi::{HttpRequest, HttpResponse};

use network::{Network, Origin, Packet};

/// One-way latency between the client and the fake unless set otherwise.
pub const DEFAULT_LATENCY: Duration = Duration::from_millis(2);
/// Virtual time a run may take unless set otherwise.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(48 * 3600);

/// A bot under test: it sees every event the session dispatches.
pub trait Bot {
    /// An event was dispatched.
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: &Event);

    /// The answer to a Web API call made with [`Ctx::call_api`].
    fn on_api_response(&mut self, ctx: &mut Ctx<'_>, request: RequestId, response: &HttpResponse) {
        let _ = (ctx, request, response);
    }

    /// A time asked for with [`Ctx::wake_at`] has come.
    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        let _ = ctx;
    }
}

/// A closure bot: `|ctx, event| { … }`.
struct FnBot<F>(F);

impl<F: FnMut(&mut Ctx<'_>, &Event)> Bot for FnBot<F> {
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: &Event) {
        (self.0)(ctx, event)
    }
}

/// What a bot can do while handling an event. App calls made through it are recorded in the
/// transcript, so a replay repeats them.
pub struct Ctx<'a> {
    session: &'a mut Session,
    now: Instant,
    calls: &'a mut Vec<HttpRequest>,
    wakes: &'a mut BTreeSet<Instant>,
    recorder: Recorder,
    transcript: &'a mut Option<Transcript>,
}

impl std::fmt::Debug for Ctx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx").field("now", &self.now).finish()
    }
}

impl Ctx<'_> {
    fn record(&mut self, record: crate::transcript::Record) {
        if let Some(t) = self.transcript.as_mut() {
            t.records.push(record);
        }
    }

    /// The virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// The session, to look at (act through the methods of `Ctx`).
    pub fn session(&self) -> &Session {
        self.session
    }

    /// [`Session::ack`].
    pub fn ack(&mut self, envelope_id: &str) -> Result<(), AckError> {
        let record = self.recorder.ack(self.now, envelope_id, None);
        self.record(record);
        self.session.ack(self.now, envelope_id)
    }

    /// [`Session::ack_with`]: an ack carrying a response payload.
    pub fn ack_with<T: Serialize + ?Sized>(
        &mut self,
        envelope_id: &str,
        payload: &T,
    ) -> Result<(), AckError> {
        let json = serde_json::to_string(payload).map_err(|e| AckError::Payload(e.to_string()))?;
        let record = self.recorder.ack(self.now, envelope_id, Some(&json));
        self.record(record);
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(&json).map_err(|e| AckError::Payload(e.to_string()))?;
        self.session.ack_with(self.now, envelope_id, raw)
    }

    /// [`Session::send_message`] (RTM).
    pub fn send_message(&mut self, channel: &str, text: &str) -> Result<u64, SendError> {
        let message = serde_json::json!({ "type": "message", "channel": channel, "text": text });
        self.send_rtm(&message)
    }

    /// [`Session::send_rtm`] (RTM).
    pub fn send_rtm<T: Serialize + ?Sized>(&mut self, message: &T) -> Result<u64, SendError> {
        let json = serde_json::to_string(message).map_err(|e| SendError::Invalid(e.to_string()))?;
        let record = self.recorder.send_rtm(self.now, &json);
        self.record(record);
        self.session.send_rtm(self.now, message)
    }

    /// [`Session::send_typing`] (RTM).
    pub fn send_typing(&mut self, channel: &str) -> Result<u64, SendError> {
        let record = self.recorder.send_typing(self.now, channel);
        self.record(record);
        self.session.send_typing(self.now, channel)
    }

    /// [`Session::shutdown`].
    pub fn shutdown(&mut self) {
        let record = self.recorder.shutdown(self.now);
        self.record(record);
        self.session.shutdown(self.now);
    }

    /// Sends a Web API request (built with your own [`WebApi`](crate::WebApi) and bot token)
    /// to the fake; the answer comes to [`Bot::on_api_response`].
    pub fn call_api(&mut self, request: HttpRequest) {
        self.calls.push(request);
    }

    /// Asks for [`Bot::on_wake`] at `at` (to act later, e.g. a slow or late ack).
    pub fn wake_at(&mut self, at: Instant) {
        self.wakes.insert(at.max(self.now));
    }
}

/// When something happened.
#[derive(Clone, Debug)]
pub struct Timed<T> {
    /// Virtual time.
    pub at: Instant,
    /// What.
    pub value: T,
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ending {
    /// The fake's script finished (the verdict is final).
    Finished,
    /// The time limit was reached first.
    TimeLimit,
    /// Nothing was left to happen on either side before the script finished.
    Idle,
    /// Time stopped advancing (a deadline that never clears): a bug, described.
    Stalled(String),
}

/// What happened in a run.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome {
    /// The fake's report on the client.
    pub verdict: Verdict,
    /// Every event the session dispatched.
    pub events: Vec<Timed<Event>>,
    /// Every text frame the client sent (acks, RTM messages), with its connection.
    pub sent: Vec<Timed<(ConnId, String)>>,
    /// Answers to the bot's own Web API calls.
    pub api_responses: Vec<Timed<(RequestId, HttpResponse)>>,
    /// Why the run ended.
    pub ending: Ending,
    /// Virtual time the run took.
    pub elapsed: Duration,
    /// The session's counters.
    pub stats: Stats,
    /// Why the session stopped, if it did.
    pub stop_reason: Option<StopReason>,
    /// The client's side of the run, if recording was asked for.
    pub transcript: Option<Transcript>,
}

impl Outcome {
    /// The envelopes dispatched to the bot (redeliveries suppressed by the session not included).
    pub fn envelopes(&self) -> impl Iterator<Item = &Envelope> {
        self.events.iter().filter_map(|e| match &e.value {
            Event::Envelope(envelope) => Some(envelope),
            _ => None,
        })
    }

    /// The text frames the client sent, in order.
    pub fn sent_texts(&self) -> impl Iterator<Item = &str> {
        self.sent.iter().map(|s| s.value.1.as_str())
    }
}

/// A [`Session`] and a [`FakeSlack`] in virtual time. See the module documentation.
#[derive(Debug)]
pub struct Harness {
    session: Session,
    script: Script,
    fake_config: FakeConfig,
    latency: Duration,
    time_limit: Duration,
    record: bool,
    note: Option<String>,
}

impl Harness {
    /// A harness for a session with `config` against a fake playing `script`.
    pub fn new(config: Config, script: Script) -> Result<Self, ConfigError> {
        let session = Session::new(config, Instant::ZERO)?;
        Ok(Harness {
            session,
            script,
            fake_config: FakeConfig::new(),
            latency: DEFAULT_LATENCY,
            time_limit: DEFAULT_TIME_LIMIT,
            record: false,
            note: None,
        })
    }

    /// The fake's configuration (accepted tokens, WebSocket base URL).
    pub fn with_fake_config(mut self, config: FakeConfig) -> Self {
        self.fake_config = config;
        self
    }

    /// One-way latency of every packet (default 2 ms).
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Stop after this much virtual time (default 48 h).
    pub fn with_time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = limit;
        self
    }

    /// Record the client's side as a [`Transcript`] (in [`Outcome::transcript`]).
    pub fn with_transcript(mut self, note: Option<String>) -> Self {
        self.record = true;
        self.note = note;
        self
    }

    /// Runs the script to its end with a closure bot.
    pub fn run(self, bot: impl FnMut(&mut Ctx<'_>, &Event)) -> Outcome {
        self.run_bot(FnBot(bot))
    }

    /// Runs the script to its end with a bot that does nothing (deferred acks are left to the
    /// session's late-ack policy).
    pub fn run_quietly(self) -> Outcome {
        self.run(|_, _| {})
    }

    /// Runs the script to its end with `bot`.
    pub fn run_bot<B: Bot>(self, bot: B) -> Outcome {
        let start = Instant::ZERO;
        let transcript = self
            .record
            .then(|| Transcript::new(Recorder::header(self.session.config(), self.note.clone())));
        let fake = FakeSlack::new(self.script, self.fake_config, start);
        let mut run = Run {
            session: self.session,
            fake,
            bot,
            net: Network::new(self.latency),
            links: Vec::new(),
            calls: BTreeMap::new(),
            bot_calls: Vec::new(),
            wakes: BTreeSet::new(),
            recorder: Recorder::new(start),
            transcript,
            events: Vec::new(),
            sent: Vec::new(),
            api_responses: Vec::new(),
            now: start,
        };
        let ending = run.until_finished(start + self.time_limit);
        Outcome {
            verdict: run.fake.verdict(),
            events: run.events,
            sent: run.sent,
            api_responses: run.api_responses,
            ending,
            elapsed: run.now - start,
            stats: run.session.stats().clone(),
            stop_reason: run.session.stop_reason().cloned(),
            transcript: run.transcript,
        }
    }
}

/// A WebSocket as both ends know it.
#[derive(Debug)]
struct Link {
    conn: ConnId,
    socket: Option<SocketId>,
    /// The fake made it half-open: nothing the client sends gets through.
    silent: bool,
    /// The client closed it: what still arrives for it is not delivered.
    client_closed: bool,
}

struct Run<B> {
    session: Session,
    fake: FakeSlack,
    bot: B,
    net: Network,
    links: Vec<Link>,
    calls: BTreeMap<CallId, (Origin, RequestId)>,
    bot_calls: Vec<HttpRequest>,
    wakes: BTreeSet<Instant>,
    recorder: Recorder,
    transcript: Option<Transcript>,
    events: Vec<Timed<Event>>,
    sent: Vec<Timed<(ConnId, String)>>,
    api_responses: Vec<Timed<(RequestId, HttpResponse)>>,
    now: Instant,
}

/// A [`Ctx`] over the run's fields, borrowed one by one so the bot can be borrowed beside it.
macro_rules! ctx {
    ($run:expr) => {
        Ctx {
            session: &mut $run.session,
            now: $run.now,
            calls: &mut $run.bot_calls,
            wakes: &mut $run.wakes,
            recorder: $run.recorder,
            transcript: &mut $run.transcript,
        }
    };
}

/// Inputs at one instant before the run counts as stalled.
const STALL_LIMIT: u32 = 100_000;

impl<B: Bot> Run<B> {
    fn until_finished(&mut self, limit: Instant) -> Ending {
        let mut same_instant = 0u32;
        loop {
            self.pump();
            if self.fake.is_finished() {
                self.settle();
                return Ending::Finished;
            }
            let next = [
                self.session.poll_timeout(),
                self.fake.poll_timeout(),
                self.net.next_at(),
                self.wakes.first().copied(),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(next) = next else {
                return Ending::Idle;
            };
            if next > limit {
                self.now = limit;
                return Ending::TimeLimit;
            }
            if next <= self.now {
                same_instant += 1;
                if same_instant > STALL_LIMIT {
                    return Ending::Stalled(format!(
                        "time stuck at {:?}: session timer {:?}, fake deadline {:?}",
                        self.now,
                        self.session.timeout_reason(),
                        self.fake.poll_timeout()
                    ));
                }
            } else {
                same_instant = 0;
            }
            self.now = self.now.max(next);
            self.step();
        }
    }

    /// After the script: what is still on the wire arrives (the final `disconnect`, the
    /// client's close), so the outcome shows how the client took the end.
    fn settle(&mut self) {
        for _ in 0..STALL_LIMIT {
            let Some(next) = self.net.next_at() else {
                return;
            };
            self.now = self.now.max(next);
            self.step();
        }
    }

    /// Everything due at `now`: arriving packets, then both sides' deadlines, then wake-ups.
    fn step(&mut self) {
        let now = self.now;
        while let Some(packet) = self.net.pop_due(now) {
            self.deliver(packet);
            self.pump();
        }
        if self.session.poll_timeout().is_some_and(|t| t <= now) {
            self.session.handle_timeout(now);
            self.pump();
        }
        if self.fake.poll_timeout().is_some_and(|t| t <= now) {
            self.fake.handle_timeout(now);
            self.pump();
        }
        while self.wakes.first().is_some_and(|&t| t <= now) {
            self.wakes.pop_first();
            let mut ctx = ctx!(self);
            self.bot.on_wake(&mut ctx);
            self.pump();
        }
    }

    fn record(&mut self, record: crate::transcript::Record) {
        if let Some(t) = self.transcript.as_mut() {
            t.records.push(record);
        }
    }

    /// Drains both sides until neither has anything to say.
    fn pump(&mut self) {
        loop {
            let mut progress = false;
            while let Some(action) = self.session.poll_action() {
                progress = true;
                if self.transcript.is_some() {
                    let record = self.recorder.action(self.now, &action);
                    self.record(record);
                }
                self.carry_action(action);
            }
            for request in std::mem::take(&mut self.bot_calls) {
                progress = true;
                self.net
                    .send(self.now, Packet::ApiCall(Origin::Bot, request));
            }
            while let Some(output) = self.fake.poll_output() {
                progress = true;
                self.carry_output(output);
            }
            if !progress {
                break;
            }
        }
    }

    fn link(&mut self, conn: ConnId) -> Option<&mut Link> {
        self.links.iter_mut().find(|l| l.conn == conn)
    }

    fn conn_of(&self, socket: SocketId) -> Option<ConnId> {
        self.links
            .iter()
            .find(|l| l.socket == Some(socket))
            .map(|l| l.conn)
    }

    /// The session's action onto the wire (or to the bot).
    fn carry_action(&mut self, action: Action) {
        let now = self.now;
        let silent = |run: &mut Self, conn| run.link(conn).is_some_and(|l| l.silent);
        match action {
            Action::Http(request) => self
                .net
                .send(now, Packet::ApiCall(Origin::Session, request)),
            Action::Connect { conn, url } => {
                self.links.push(Link {
                    conn,
                    socket: None,
                    silent: false,
                    client_closed: false,
                });
                self.net.send(now, Packet::WsConnect { conn, url });
            }
            Action::SendText { conn, text } => {
                self.sent.push(Timed {
                    at: now,
                    value: (conn, text.clone()),
                });
                if !silent(self, conn) {
                    self.net.send(now, Packet::ClientText { conn, text });
                }
            }
            Action::SendPing { conn, payload } => {
                if !silent(self, conn) {
                    let payload = payload.to_vec();
                    self.net.send(now, Packet::ClientPing { conn, payload });
                }
            }
            Action::Close { conn, code, reason } => {
                let was_silent = silent(self, conn);
                if let Some(link) = self.link(conn) {
                    link.client_closed = true;
                }
                if !was_silent {
                    let reason = reason.to_owned();
                    self.net
                        .send(now, Packet::ClientClose { conn, code, reason });
                }
            }
            Action::Dispatch(event) => {
                self.events.push(Timed {
                    at: now,
                    value: event.clone(),
                });
                let mut ctx = ctx!(self);
                self.bot.on_event(&mut ctx, &event);
            }
        }
    }

    /// The fake's output onto the wire.
    fn carry_output(&mut self, output: Output) {
        let now = self.now;
        match output {
            Output::HttpResponse { call, response } => {
                if let Some((origin, request)) = self.calls.remove(&call) {
                    self.net.send(
                        now,
                        Packet::ApiResponse {
                            origin,
                            request,
                            response,
                        },
                    );
                }
            }
            Output::SendText { socket, text } => {
                self.net.send(now, Packet::ServerText { socket, text })
            }
            Output::SendPing { socket, payload } => {
                self.net.send(now, Packet::ServerPing { socket, payload })
            }
            Output::SendPong { socket, payload } => {
                self.net.send(now, Packet::ServerPong { socket, payload })
            }
            Output::Close {
                socket,
                code,
                reason,
            } => self.net.send(
                now,
                Packet::ServerClose {
                    socket,
                    code,
                    reason,
                },
            ),
            Output::GoSilent { socket } => {
                if let Some(link) = self.links.iter_mut().find(|l| l.socket == Some(socket)) {
                    link.silent = true;
                }
            }
            _ => {}
        }
    }

    /// The connection a server packet is for, if the client still listens on it.
    fn listening(&self, socket: SocketId) -> Option<ConnId> {
        let conn = self.conn_of(socket)?;
        let link = self.links.iter().find(|l| l.conn == conn)?;
        (!link.client_closed).then_some(conn)
    }

    /// A packet arrives at its end.
    fn deliver(&mut self, packet: Packet) {
        let now = self.now;
        let socket_of = |run: &Self, conn: ConnId| {
            run.links
                .iter()
                .find(|l| l.conn == conn)
                .and_then(|l| l.socket)
        };
        match packet {
            Packet::ApiCall(origin, request) => {
                let authorization = request.authorization();
                let call = self.fake.handle_http_request(
                    now,
                    ApiRequest {
                        method: request.method(),
                        authorization: Some(&authorization),
                        content_type: Some(request.content_type()),
                        body: request.body().as_bytes(),
                    },
                );
                self.calls.insert(call, (origin, request.id()));
            }
            Packet::WsConnect { conn, url } => match self.fake.handle_ws_connect(now, &url) {
                Ok(socket) => {
                    if let Some(link) = self.link(conn) {
                        link.socket = Some(socket);
                    }
                    self.net.send(now, Packet::Connected { conn });
                }
                Err(rejected) => {
                    let detail = rejected.to_string();
                    self.net.send(now, Packet::ConnectFailed { conn, detail });
                }
            },
            Packet::ClientText { conn, text } => {
                if let Some(socket) = socket_of(self, conn) {
                    self.fake.handle_text(now, socket, text.as_bytes());
                }
            }
            Packet::ClientPing { conn, payload } => {
                if let Some(socket) = socket_of(self, conn) {
                    self.fake.handle_ping(now, socket, &payload);
                }
            }
            Packet::ClientPong { conn, payload } => {
                if let Some(socket) = socket_of(self, conn) {
                    self.fake.handle_pong(now, socket, &payload);
                }
            }
            Packet::ClientClose { conn, code, reason } => {
                if let Some(socket) = socket_of(self, conn) {
                    self.fake.handle_closed(now, socket, Some(code), &reason);
                }
            }
            Packet::ApiResponse {
                origin,
                request,
                response,
            } => {
                let response = response.to_http_response();
                match origin {
                    Origin::Session => {
                        if self.transcript.is_some() {
                            let record = self.recorder.http_response(now, request, &response);
                            self.record(record);
                        }
                        self.session.handle_http_response(now, request, response);
                    }
                    Origin::Bot => {
                        self.api_responses.push(Timed {
                            at: now,
                            value: (request, response.clone()),
                        });
                        let mut ctx = ctx!(self);
                        self.bot.on_api_response(&mut ctx, request, &response);
                    }
                }
            }
            Packet::Connected { conn } => {
                if self.transcript.is_some() {
                    let record = self.recorder.connected(now, conn);
                    self.record(record);
                }
                self.session.handle_connected(now, conn);
            }
            Packet::ConnectFailed { conn, detail } => {
                if self.transcript.is_some() {
                    let record = self.recorder.connect_failed(now, conn, &detail);
                    self.record(record);
                }
                self.session.handle_connect_failed(now, conn, &detail);
            }
            Packet::ServerText { socket, text } => {
                if let Some(conn) = self.listening(socket) {
                    if self.transcript.is_some() {
                        let record = self.recorder.text(now, conn, text.as_bytes());
                        self.record(record);
                    }
                    self.session.handle_text(now, conn, text);
                }
            }
            Packet::ServerPing { socket, payload } => {
                if let Some(conn) = self.listening(socket) {
                    if self.transcript.is_some() {
                        let record = self.recorder.ping(now, conn);
                        self.record(record);
                    }
                    self.session.handle_ping(now, conn);
                    // The WebSocket library answers pings by itself.
                    self.net.send(now, Packet::ClientPong { conn, payload });
                }
            }
            Packet::ServerPong { socket, payload } => {
                if let Some(conn) = self.listening(socket) {
                    if self.transcript.is_some() {
                        let record = self.recorder.pong(now, conn, &payload);
                        self.record(record);
                    }
                    self.session.handle_pong(now, conn, &payload);
                }
            }
            Packet::ServerClose {
                socket,
                code,
                reason,
            } => {
                if let Some(conn) = self.listening(socket) {
                    if let Some(link) = self.link(conn) {
                        link.client_closed = true;
                    }
                    if self.transcript.is_some() {
                        let record = self.recorder.closed(now, conn, Some(code), &reason);
                        self.record(record);
                    }
                    self.session.handle_closed(now, conn, Some(code), &reason);
                }
            }
        }
    }
}
