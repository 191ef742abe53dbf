//! The run loop: carries actions and outputs over the simulated wire and always jumps to the
//! earliest thing that can happen next.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::audit::Audit;
use super::faults::TimedFault;
use super::network::{Network, Origin, Packet};
use super::{Bot, Ctx, Ending, Timed};
use slackline::Event;
use slackline::Instant;
use slackline::Session;
use slackline::{Action, Input};
use slackline::{ConnId, RequestId};
use slackline::{HttpRequest, HttpResponse};
use slackline_fake::{ApiRequest, CallId, FakeSlack, Output, SocketId};
use slackline_transcript::{Recorder, Transcript};

/// A WebSocket as both ends know it.
#[derive(Debug)]
pub(super) struct Link {
    pub(super) conn: ConnId,
    pub(super) socket: Option<SocketId>,
    /// The fake made it half-open: nothing the client sends gets through.
    pub(super) silent: bool,
    /// The client closed it: what still arrives for it is not delivered.
    pub(super) client_closed: bool,
    /// A network fault broke it: nothing more reaches the fake.
    pub(super) cut_to_server: bool,
    /// A network fault broke it: nothing more reaches the client.
    pub(super) cut_to_client: bool,
}

/// What the chaos layer keeps while the run goes on.
#[derive(Debug, Default)]
pub(super) struct Chaos {
    /// Faults still to come, in time order.
    pub(super) pending: VecDeque<TimedFault>,
    pub(super) applied: u32,
    pub(super) skipped: u32,
    /// Connection URL requests still to be swallowed (no answer).
    pub(super) swallow_url_calls: u32,
    /// When Slack notices a cut socket is dead.
    pub(super) notices: BTreeSet<(Instant, SocketId)>,
    /// `envelope_id`s of frames corrupted on their way to the client.
    pub(super) corrupted_envelopes: BTreeSet<String>,
}

pub(super) struct Run<B> {
    pub(super) session: Session,
    pub(super) fake: FakeSlack,
    pub(super) bot: B,
    pub(super) net: Network<Packet>,
    pub(super) links: Vec<Link>,
    pub(super) calls: BTreeMap<CallId, (Origin, RequestId)>,
    pub(super) bot_calls: Vec<HttpRequest>,
    pub(super) wakes: BTreeSet<Instant>,
    pub(super) recorder: Recorder,
    pub(super) transcript: Option<Transcript>,
    pub(super) events: Vec<Timed<Event>>,
    pub(super) sent: Vec<Timed<(ConnId, String)>>,
    pub(super) api_responses: Vec<Timed<(RequestId, HttpResponse)>>,
    pub(super) now: Instant,
    pub(super) audit: Audit,
    pub(super) chaos: Chaos,
    /// The Web API method the session asks for connection URLs with.
    pub(super) url_method: &'static str,
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
    pub(super) fn until_finished(&mut self, limit: Instant) -> Ending {
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
                self.chaos
                    .pending
                    .front()
                    .map(|f| Instant::from_millis(f.at_ms)),
                self.chaos.notices.first().map(|&(at, _)| at),
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
            let Some(arrival) = self.net.next_at() else {
                return;
            };
            // The session's deadlines before that arrival still fire on time.
            let next = self
                .session
                .poll_timeout()
                .map_or(arrival, |t| t.min(arrival));
            self.now = self.now.max(next);
            self.step();
        }
    }

    /// Everything due at `now`: arriving packets, then both sides' deadlines, then wake-ups.
    fn step(&mut self) {
        let now = self.now;
        self.apply_due_faults();
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

    pub(super) fn record(&mut self, record: slackline_transcript::Record) {
        if let Some(t) = self.transcript.as_mut() {
            t.records.push(record);
        }
    }

    /// Drains both sides until neither has anything to say.
    pub(super) fn pump(&mut self) {
        loop {
            let mut progress = false;
            while let Some(action) = self.session.poll_action() {
                progress = true;
                if self.transcript.is_some() {
                    let record = self.recorder.action(self.now, &action);
                    self.record(record);
                }
                self.audit.action(self.now, &action);
                self.carry_action(action);
            }
            for request in std::mem::take(&mut self.bot_calls) {
                progress = true;
                self.put(Packet::ApiCall(Origin::Bot, request));
            }
            while let Some(output) = self.fake.poll_output() {
                progress = true;
                self.carry_output(output);
            }
            if !progress {
                break;
            }
        }
        self.audit.drained(self.now, &self.session);
    }

    fn link(&mut self, conn: ConnId) -> Option<&mut Link> {
        self.links.iter_mut().find(|l| l.conn == conn)
    }

    /// The session's action onto the wire (or to the bot).
    fn carry_action(&mut self, action: Action) {
        let now = self.now;
        let silent = |run: &mut Self, conn| run.link(conn).is_some_and(|l| l.silent);
        match action {
            Action::Http(request) => self.put(Packet::ApiCall(Origin::Session, request)),
            Action::Connect { conn, url } => {
                self.links.push(Link {
                    conn,
                    socket: None,
                    silent: false,
                    client_closed: false,
                    cut_to_server: false,
                    cut_to_client: false,
                });
                self.put(Packet::WsConnect { conn, url });
            }
            Action::SendText { conn, text } => {
                self.sent.push(Timed {
                    at: now,
                    value: (conn, text.clone()),
                });
                if !silent(self, conn) {
                    self.put(Packet::ClientText { conn, text });
                }
            }
            Action::SendPing { conn, payload } => {
                if !silent(self, conn) {
                    let payload = payload.to_vec();
                    self.put(Packet::ClientPing { conn, payload });
                }
            }
            Action::Close { conn, code, reason } => {
                let was_silent = silent(self, conn);
                if let Some(link) = self.link(conn) {
                    link.client_closed = true;
                }
                if !was_silent {
                    let reason = reason.to_owned();
                    self.put(Packet::ClientClose { conn, code, reason });
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
            other => unreachable!("an action this harness does not know: {other:?}"),
        }
    }

    /// The fake's output onto the wire.
    fn carry_output(&mut self, output: Output) {
        let now = self.now;
        match output {
            Output::HttpResponse { call, response } => {
                if let Some((origin, request)) = self.calls.remove(&call) {
                    self.put(Packet::ApiResponse {
                        origin,
                        request,
                        response,
                    });
                }
            }
            Output::SendText { socket, text } => self.put_server_text(socket, text),
            Output::SendPing { socket, payload } => {
                self.put(Packet::ServerPing { socket, payload })
            }
            Output::SendPong { socket, payload } => {
                self.put(Packet::ServerPong { socket, payload })
            }
            Output::Close {
                socket,
                code,
                reason,
            } => self.put(Packet::ServerClose {
                socket,
                code,
                reason,
            }),
            Output::GoSilent { socket } => {
                if let Some(link) = self.links.iter_mut().find(|l| l.socket == Some(socket)) {
                    link.silent = true;
                    let conn = link.conn;
                    self.audit.half_open(now, conn, &self.session);
                }
            }
            _ => {}
        }
    }

    /// The connection a server packet is for, if the client still listens on it and the
    /// network still carries it there.
    pub(super) fn listening(&mut self, socket: SocketId) -> Option<ConnId> {
        let link = self.links.iter().find(|l| l.socket == Some(socket))?;
        let conn = link.conn;
        self.reaches_client(conn).then_some(conn)
    }

    /// Whether a packet for `conn` still reaches the client.
    fn reaches_client(&mut self, conn: ConnId) -> bool {
        let Some(link) = self.links.iter().find(|l| l.conn == conn) else {
            return false;
        };
        if link.cut_to_client {
            self.net.stats.cut += 1;
        }
        !link.client_closed && !link.cut_to_client
    }

    /// The fake's socket a client packet is for, if the network still carries it there.
    fn reaching_server(&mut self, conn: ConnId) -> Option<SocketId> {
        let link = self.links.iter().find(|l| l.conn == conn)?;
        if link.cut_to_server {
            self.net.stats.cut += 1;
            return None;
        }
        link.socket
    }

    fn text_arrives(&mut self, conn: ConnId, text: String) {
        self.audit.received(conn, text.as_bytes(), &self.session);
        let frame = text.into();
        self.feed(Input::Text { conn, frame });
    }

    /// Feeds one network input to the session, recorded first when a transcript is kept.
    pub(super) fn feed(&mut self, input: Input) {
        if self.transcript.is_some() {
            let record = self.recorder.input(self.now, &input);
            self.record(record);
        }
        // Network inputs are never refused.
        let _ = self.session.handle(self.now, input);
    }

    /// A packet arrives at its end.
    fn deliver(&mut self, packet: Packet) {
        let now = self.now;
        match packet {
            Packet::ApiCall(Origin::Session, _) if self.chaos.swallow_url_calls > 0 => {
                // Lost on the way: the session's HTTP timeout has to notice.
                self.chaos.swallow_url_calls -= 1;
                self.audit.disruption(now);
            }
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
                    self.put(Packet::Connected { conn, socket });
                }
                Err(rejected) => {
                    let detail = rejected.to_string();
                    self.put(Packet::ConnectFailed { conn, detail });
                }
            },
            Packet::ClientText { conn, text } => {
                if let Some(socket) = self.reaching_server(conn) {
                    self.fake.handle_text(now, socket, text.as_bytes());
                }
            }
            Packet::ClientPing { conn, payload } => {
                if let Some(socket) = self.reaching_server(conn) {
                    self.fake.handle_ping(now, socket, &payload);
                }
            }
            Packet::ClientPong { conn, payload } => {
                if let Some(socket) = self.reaching_server(conn) {
                    self.fake.handle_pong(now, socket, &payload);
                }
            }
            Packet::ClientClose { conn, code, reason } => {
                if let Some(socket) = self.reaching_server(conn) {
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
                        self.audit.http_response(now, request, &response);
                        self.feed(Input::HttpResponse { request, response });
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
            Packet::Connected { conn, .. } => self.feed(Input::Connected(conn)),
            Packet::ConnectFailed { conn, detail } => {
                self.audit.disruption(now);
                self.feed(Input::ConnectFailed { conn, detail });
            }
            Packet::ServerText { socket, text } => {
                if let Some(conn) = self.listening(socket) {
                    self.text_arrives(conn, text);
                }
            }
            Packet::StrayText { conn, text } => {
                if self.reaches_client(conn) {
                    self.text_arrives(conn, text);
                }
            }
            Packet::ServerPing { socket, payload } => {
                if let Some(conn) = self.listening(socket) {
                    self.feed(Input::Ping(conn));
                    // The WebSocket library answers pings by itself.
                    self.put(Packet::ClientPong { conn, payload });
                }
            }
            Packet::ServerPong { socket, payload } => {
                if let Some(conn) = self.listening(socket) {
                    let payload = payload.to_vec().into();
                    self.feed(Input::Pong { conn, payload });
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
                    let code = Some(code);
                    self.feed(Input::Closed { conn, code, reason });
                }
            }
        }
    }
}
