//! The run loop: carries actions and outputs over the simulated wire and always jumps to the
//! earliest thing that can happen next.

use std::collections::{BTreeMap, BTreeSet};

use super::network::{Network, Origin, Packet};
use super::{Bot, Ctx, Ending, Timed};
use crate::action::Action;
use crate::event::Event;
use crate::fake::{ApiRequest, CallId, FakeSlack, Output, SocketId};
use crate::ids::{ConnId, RequestId};
use crate::session::Session;
use crate::time::Instant;
use crate::transcript::{Recorder, Transcript};
use crate::webapi::{HttpRequest, HttpResponse};

/// A WebSocket as both ends know it.
#[derive(Debug)]
pub(super) struct Link {
    conn: ConnId,
    socket: Option<SocketId>,
    /// The fake made it half-open: nothing the client sends gets through.
    silent: bool,
    /// The client closed it: what still arrives for it is not delivered.
    client_closed: bool,
}

pub(super) struct Run<B> {
    pub(super) session: Session,
    pub(super) fake: FakeSlack,
    pub(super) bot: B,
    pub(super) net: Network,
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
