//! The virtual Slack: one task that owns the Slack side ([`Peer`]: the scripted fake or a
//! transcript played back) and the server's end of every in-memory connection. It reads the
//! client's bytes (HTTP requests, WebSocket frames), puts each request and frame on the
//! emulated network of `slackline-sim` (latency, jitter, drops, duplicates, corruption,
//! partitions), hands what arrives to the peer, and writes the peer's answers back the same
//! way. A [`FaultPlan`]'s discrete faults are applied here at their time, as the `Session`
//! harness applies them: cuts (half-open), resets, partitions, failing or unanswered URL
//! requests, refused handshakes, Slack's disconnects, closes, silence, redeliveries, and the
//! hostile servers (a refresh after every hello, echoed frames, short announced lifetimes).
//!
//! It never reads a clock: the task passes it the virtual time.

pub(crate) mod http;
pub(crate) mod peer;
pub(crate) mod ws;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use slackline::Instant;
use slackline_fake::script::{FailStep, Misbehaviour, RedeliverStep, StepAction, Target};
use slackline_fake::{ApiRequest, FakeResponse};
use slackline_sim::{
    Direction, Fate, Fault, FaultPlan, NetStats, Network, TimedFault, Which, Wire,
};
use tokio::sync::Notify;

use crate::pipe::{lock, Pipe, Signal};
use peer::{Peer, PeerOutput};
use ws::ClientFrame;

/// The methods a client asks for its WebSocket URLs with.
pub(crate) const URL_METHODS: [&str; 3] = ["apps.connections.open", "rtm.connect", "rtm.start"];

/// Steps at one instant before the server gives up on advancing (a deadline that never clears).
const STALL_LIMIT: u32 = 100_000;

/// What crosses the emulated network: a request or frame of the client, or the server's.
#[derive(Debug)]
pub(crate) enum Packet {
    // client to server
    ApiCall {
        pipe: u32,
        call: usize,
        method: String,
        authorization: Option<String>,
        content_type: Option<String>,
        body: Vec<u8>,
    },
    WsConnect {
        pipe: u32,
        target: String,
    },
    ClientText {
        pipe: u32,
        text: String,
    },
    ClientBinary {
        pipe: u32,
        data: Vec<u8>,
    },
    ClientPing {
        pipe: u32,
        payload: Vec<u8>,
    },
    ClientPong {
        pipe: u32,
        payload: Vec<u8>,
    },
    /// A close frame (`code`), or the connection dropped (`None`).
    ClientClose {
        pipe: u32,
        code: Option<u16>,
        reason: String,
    },
    // server to client
    ApiResponse {
        pipe: u32,
        call: usize,
        response: FakeResponse,
    },
    ApiFail {
        pipe: u32,
        call: usize,
    },
    Connected {
        pipe: u32,
    },
    ConnectFailed {
        pipe: u32,
        status: u16,
        reason: String,
    },
    ServerText {
        pipe: u32,
        text: String,
    },
    /// A copy of a server frame on another of the client's connections.
    StrayText {
        pipe: u32,
        text: String,
    },
    ServerPing {
        pipe: u32,
        payload: Vec<u8>,
    },
    ServerPong {
        pipe: u32,
        payload: Vec<u8>,
    },
    ServerClose {
        pipe: u32,
        code: u16,
        reason: String,
    },
}

/// Which packets keep their order: each direction of each connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Lane {
    ToServer(u32),
    ToClient(u32),
    Stray(u32),
}

impl Wire for Packet {
    type Lane = Lane;

    fn lane(&self) -> Option<Lane> {
        Some(match self {
            Packet::ApiCall { .. }
            | Packet::ApiResponse { .. }
            | Packet::ApiFail { .. }
            | Packet::ConnectFailed { .. } => return None,
            Packet::WsConnect { pipe, .. }
            | Packet::ClientText { pipe, .. }
            | Packet::ClientBinary { pipe, .. }
            | Packet::ClientPing { pipe, .. }
            | Packet::ClientPong { pipe, .. }
            | Packet::ClientClose { pipe, .. } => Lane::ToServer(*pipe),
            Packet::Connected { pipe }
            | Packet::ServerText { pipe, .. }
            | Packet::ServerPing { pipe, .. }
            | Packet::ServerPong { pipe, .. }
            | Packet::ServerClose { pipe, .. } => Lane::ToClient(*pipe),
            Packet::StrayText { pipe, .. } => Lane::Stray(*pipe),
        })
    }

    fn is_data(&self) -> bool {
        !matches!(
            self,
            Packet::WsConnect { .. }
                | Packet::Connected { .. }
                | Packet::ConnectFailed { .. }
                | Packet::ClientClose { .. }
                | Packet::ServerClose { .. }
        )
    }

    fn text_mut(&mut self) -> Option<&mut String> {
        match self {
            Packet::ClientText { text, .. }
            | Packet::ServerText { text, .. }
            | Packet::StrayText { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// Where a connection is in its life.
#[derive(Debug)]
enum Phase {
    /// Reading a request.
    Request,
    /// Waiting for the answer to a Web API call.
    Waiting,
    /// Waiting for the handshake's answer.
    Upgrading { key: String },
    /// A WebSocket.
    Open { reader: ws::Reader },
    /// Over (the server closed its end, or the client did).
    Done,
}

/// A connection as the server sees it, with what the faults did to it (as the `Session`
/// harness keeps its links).
#[derive(Debug)]
struct Conn {
    pipe: Arc<Pipe>,
    /// The handler run that opened it (its Web API call), if any.
    handler: Option<usize>,
    inbuf: Vec<u8>,
    phase: Phase,
    /// It asked for a WebSocket.
    websocket: bool,
    /// The fake's socket, once the handshake reached it.
    socket: Option<u32>,
    /// The fake made it half-open: nothing is read from it or written to it.
    silent: bool,
    /// The client closed it (a close frame, or its end dropped).
    client_closed: bool,
    /// The server sent its close frame.
    server_closed: bool,
    /// A fault broke it: nothing more reaches the fake.
    cut_to_server: bool,
    /// A fault broke it: nothing more reaches the client.
    cut_to_client: bool,
}

/// A Web API call as the server saw it.
#[derive(Clone, Debug)]
pub(crate) struct CallRecord {
    pub(crate) at: Instant,
    pub(crate) method: String,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Vec<u8>,
    pub(crate) handler: Option<usize>,
    pub(crate) fate: CallFate,
}

/// What became of a Web API call.
#[derive(Clone, Debug)]
pub(crate) enum CallFate {
    /// On its way, or waiting for its answer.
    Pending,
    Answered {
        at: Instant,
        status: u16,
        body: String,
    },
    /// Lost on the way (a fault), or dropped by the server: the client's timeout has to notice.
    Unanswered,
    /// The client gave up before the answer came.
    Abandoned,
}

/// A text frame that went from the fake to the client, or from the client to the fake.
#[derive(Clone, Debug)]
pub(crate) struct FrameRecord {
    pub(crate) at: Instant,
    pub(crate) text: String,
}

/// What the server saw, for the report.
#[derive(Debug, Default)]
pub(crate) struct Log {
    /// Every Web API call read from a connection (the client's URL requests too).
    pub(crate) calls: Vec<CallRecord>,
    /// Text frames the client sent, as it sent them.
    pub(crate) from_client: Vec<FrameRecord>,
    /// Text frames written to the client, as they arrived.
    pub(crate) to_client: Vec<FrameRecord>,
    /// Connections the client asked for that are not the virtual Slack's (`host:port`), and
    /// the handler run that asked.
    pub(crate) refused: Vec<(String, Option<usize>)>,
}

/// What the faults did.
#[derive(Debug, Default)]
pub(crate) struct ChaosStats {
    pub(crate) applied: u32,
    pub(crate) skipped: u32,
    /// `envelope_id`s of frames corrupted on their way to the client.
    pub(crate) corrupted_envelopes: BTreeSet<String>,
}

/// The server's state, shared by its task, the hooks (which add connections) and the harness
/// (which reads the log at the end).
pub(crate) struct Server {
    peer: Box<dyn Peer>,
    net: Network<Packet>,
    conns: BTreeMap<u32, Conn>,
    next_pipe: u32,
    socket_pipe: BTreeMap<u32, u32>,
    /// The peer's call ids, with the connection and the log entry.
    calls: BTreeMap<u64, (u32, usize)>,
    faults: VecDeque<TimedFault>,
    notices: BTreeSet<(Instant, u32)>,
    swallow_url_calls: u32,
    url_method: Option<String>,
    now: Instant,
    pub(crate) log: Log,
    pub(crate) chaos: ChaosStats,
    pub(crate) finished_at: Option<Instant>,
    pub(crate) stalled: Option<String>,
    finished: Arc<Notify>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("conns", &self.conns.len())
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl Server {
    pub(crate) fn new(peer: Box<dyn Peer>, plan: &FaultPlan, finished: Arc<Notify>) -> Self {
        let mut faults = plan.faults.clone();
        faults.sort_by_key(|f| f.at_ms);
        Server {
            peer,
            net: Network::new(plan.net.clone(), plan.seed),
            conns: BTreeMap::new(),
            next_pipe: 1,
            socket_pipe: BTreeMap::new(),
            calls: BTreeMap::new(),
            faults: faults.into(),
            notices: BTreeSet::new(),
            swallow_url_calls: 0,
            url_method: None,
            now: Instant::ZERO,
            log: Log::default(),
            chaos: ChaosStats::default(),
            finished_at: None,
            stalled: None,
            finished,
        }
    }

    /// An id for a new connection.
    pub(crate) fn next_pipe_id(&mut self) -> u32 {
        let id = self.next_pipe;
        self.next_pipe += 1;
        id
    }

    /// A connection the client opened (read at the next step).
    pub(crate) fn accept(&mut self, pipe: Arc<Pipe>, handler: Option<usize>) {
        self.conns.insert(
            pipe.id(),
            Conn {
                pipe,
                handler,
                inbuf: Vec::new(),
                phase: Phase::Request,
                websocket: false,
                socket: None,
                silent: false,
                client_closed: false,
                server_closed: false,
                cut_to_server: false,
                cut_to_client: false,
            },
        );
    }

    pub(crate) fn net_stats(&self) -> &NetStats {
        &self.net.stats
    }

    pub(crate) fn verdict(&self) -> Option<slackline_fake::Verdict> {
        self.peer.verdict()
    }

    /// Everything due at `now`: what the client wrote, faults, arrivals, the peer's deadline.
    pub(crate) fn step(&mut self, now: Instant, dirty: Vec<u32>) {
        self.now = self.now.max(now);
        for id in dirty {
            self.read(id);
        }
        for _ in 0..STALL_LIMIT {
            self.apply_due_faults();
            let mut progressed = false;
            while let Some(packet) = self.net.pop_due(self.now) {
                self.deliver(packet);
                self.pump();
                progressed = true;
            }
            if self.peer.poll_timeout().is_some_and(|at| at <= self.now) {
                self.peer.timeout(self.now);
                self.pump();
                progressed = true;
            }
            if !progressed {
                return;
            }
        }
        self.stalled = Some(format!(
            "the fake Slack's time is stuck at {:?} (deadline {:?})",
            self.now,
            self.peer.poll_timeout()
        ));
    }

    /// When the server next has something to do.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        if self.stalled.is_some() {
            return None;
        }
        [
            self.peer.poll_timeout(),
            self.net.next_at(),
            self.faults.front().map(|f| Instant::from_millis(f.at_ms)),
            self.notices.first().map(|&(at, _)| at),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    // ----- the client's bytes -----

    fn read(&mut self, id: u32) {
        let now = self.now;
        let Some(conn) = self.conns.get_mut(&id) else {
            return;
        };
        if conn.silent {
            // Half-open: nothing is read (what the client writes stays in the pipe).
            return;
        }
        let up = conn.pipe.read_up();
        if matches!(conn.phase, Phase::Done) {
            return;
        }
        conn.inbuf.extend_from_slice(&up.bytes);
        let mut packets = Vec::new();
        match &mut conn.phase {
            Phase::Request => match http::parse(&mut conn.inbuf) {
                None => {}
                Some(http::Request::Api {
                    method,
                    authorization,
                    content_type,
                    body,
                }) => {
                    let call = self.log.calls.len();
                    self.log.calls.push(CallRecord {
                        at: now,
                        method: method.clone(),
                        content_type: content_type.clone(),
                        body: body.clone(),
                        handler: conn.handler,
                        fate: CallFate::Pending,
                    });
                    conn.phase = Phase::Waiting;
                    packets.push(Packet::ApiCall {
                        pipe: id,
                        call,
                        method,
                        authorization,
                        content_type,
                        body,
                    });
                }
                Some(http::Request::Upgrade { target, key }) => {
                    conn.websocket = true;
                    conn.phase = Phase::Upgrading { key };
                    packets.push(Packet::WsConnect { pipe: id, target });
                }
                Some(http::Request::Bad { status, reason }) => {
                    let answer = http::response(status, "text/plain", None, reason.as_bytes());
                    conn.pipe.write_down(&answer);
                    conn.pipe.close();
                    conn.phase = Phase::Done;
                }
            },
            Phase::Open { reader } => {
                while !conn.client_closed {
                    let Some(frame) = reader.next(&mut conn.inbuf) else {
                        break;
                    };
                    let packet = match frame {
                        ClientFrame::Text(text) => {
                            self.log.from_client.push(FrameRecord {
                                at: now,
                                text: text.clone(),
                            });
                            Packet::ClientText { pipe: id, text }
                        }
                        ClientFrame::Binary(data) => Packet::ClientBinary { pipe: id, data },
                        ClientFrame::Ping(payload) => Packet::ClientPing { pipe: id, payload },
                        ClientFrame::Pong(payload) => Packet::ClientPong { pipe: id, payload },
                        ClientFrame::Close(code, reason) => {
                            conn.client_closed = true;
                            Packet::ClientClose {
                                pipe: id,
                                code: Some(code.unwrap_or(1005)),
                                reason,
                            }
                        }
                        ClientFrame::Bad(reason) => {
                            tracing::warn!(%reason, "a client frame the server cannot read");
                            conn.client_closed = true;
                            conn.pipe.reset();
                            Packet::ClientClose {
                                pipe: id,
                                code: None,
                                reason,
                            }
                        }
                    };
                    packets.push(packet);
                }
            }
            Phase::Waiting | Phase::Upgrading { .. } | Phase::Done => {}
        }
        if up.closed {
            match conn.phase {
                Phase::Open { .. } if !conn.client_closed => {
                    conn.client_closed = true;
                    packets.push(Packet::ClientClose {
                        pipe: id,
                        code: None,
                        reason: "connection dropped".into(),
                    });
                }
                Phase::Open { .. } | Phase::Done => {}
                // The client gave up on its call or handshake (its timeout, a cancel).
                _ => conn.client_closed = true,
            }
            conn.phase = Phase::Done;
            // A Web API call's connection is forgotten once both ends are done with it (what
            // is still on its way for it finds no connection); a WebSocket's is kept, for
            // the faults and the frames that name it.
            if !conn.websocket {
                self.conns.remove(&id);
            }
        }
        for packet in packets {
            self.put(packet);
        }
    }

    // ----- the wire -----

    fn put(&mut self, packet: Packet) {
        if let Fate::Corrupted(original) = self.net.send(self.now, packet) {
            // Its envelope may now be acked without being dispatched: not a loss.
            if let Some(id) = slackline::salvage_envelope_id(original.as_bytes()) {
                self.chaos.corrupted_envelopes.insert(id.to_owned());
            }
        }
    }

    /// A frame from Slack, and sometimes a copy of it on another of the client's connections.
    fn put_server_text(&mut self, socket: u32, text: String) {
        let Some(&pipe) = self.socket_pipe.get(&socket) else {
            return;
        };
        let copy = self.net.duplicates().then(|| text.clone());
        self.put(Packet::ServerText { pipe, text });
        let Some(text) = copy else { return };
        let listening: Vec<u32> = self
            .conns
            .iter()
            .filter(|(_, c)| !c.client_closed && c.socket.is_some())
            .map(|(&id, _)| id)
            .collect();
        let own = listening.contains(&pipe).then_some(pipe);
        let target = listening.iter().copied().find(|&p| p != pipe).or(own);
        if let Some(pipe) = target {
            self.put(Packet::StrayText { pipe, text });
        }
    }

    /// The fake's socket a client packet is for, if the network still carries it there.
    fn reaching_server(&mut self, pipe: u32) -> Option<u32> {
        let conn = self.conns.get(&pipe)?;
        if conn.cut_to_server {
            self.net.stats.cut += 1;
            return None;
        }
        conn.socket
    }

    /// Whether a server packet still reaches the client on `pipe`.
    fn reaches_client(&mut self, pipe: u32) -> bool {
        let Some(conn) = self.conns.get(&pipe) else {
            return false;
        };
        if conn.cut_to_client {
            self.net.stats.cut += 1;
        }
        !conn.client_closed && !conn.cut_to_client && !conn.silent
    }

    fn write(&mut self, pipe: u32, bytes: &[u8]) {
        if let Some(conn) = self.conns.get(&pipe) {
            conn.pipe.write_down(bytes);
        }
    }

    /// A packet arrives at its end.
    fn deliver(&mut self, packet: Packet) {
        let now = self.now;
        match packet {
            Packet::ApiCall {
                pipe,
                call,
                method,
                authorization,
                content_type,
                body,
            } => {
                let url_request = URL_METHODS.contains(&method.as_str());
                if url_request {
                    self.url_method.get_or_insert_with(|| method.clone());
                    if self.swallow_url_calls > 0 {
                        // Lost on the way: the client's HTTP timeout has to notice.
                        self.swallow_url_calls -= 1;
                        self.log.calls[call].fate = CallFate::Unanswered;
                        return;
                    }
                }
                let id = self.peer.http(
                    now,
                    ApiRequest {
                        method: &method,
                        authorization: authorization.as_deref(),
                        content_type: content_type.as_deref(),
                        body: &body,
                    },
                );
                self.calls.insert(id, (pipe, call));
            }
            Packet::WsConnect { pipe, target } => match self.peer.ws_connect(now, &target) {
                Ok(socket) => {
                    if let Some(conn) = self.conns.get_mut(&pipe) {
                        conn.socket = Some(socket);
                    }
                    self.socket_pipe.insert(socket, pipe);
                    self.put(Packet::Connected { pipe });
                }
                Err(rejected) => self.put(Packet::ConnectFailed {
                    pipe,
                    status: rejected.status,
                    reason: rejected.reason,
                }),
            },
            Packet::ClientText { pipe, text } => {
                if let Some(socket) = self.reaching_server(pipe) {
                    self.peer.text(now, socket, text.as_bytes());
                }
            }
            Packet::ClientBinary { pipe, data } => {
                if let Some(socket) = self.reaching_server(pipe) {
                    self.peer.binary(now, socket, &data);
                }
            }
            Packet::ClientPing { pipe, payload } => {
                if let Some(socket) = self.reaching_server(pipe) {
                    self.peer.ping(now, socket, &payload);
                }
            }
            Packet::ClientPong { pipe, payload } => {
                if let Some(socket) = self.reaching_server(pipe) {
                    self.peer.pong(now, socket, &payload);
                }
            }
            Packet::ClientClose { pipe, code, reason } => {
                if let Some(socket) = self.reaching_server(pipe) {
                    self.peer.closed(now, socket, code, &reason);
                    // The close handshake: answer a close frame with one, then end.
                    let answer = code.filter(|_| {
                        self.conns
                            .get(&pipe)
                            .is_some_and(|c| !c.cut_to_client && !c.server_closed)
                    });
                    if let Some(conn) = self.conns.get_mut(&pipe) {
                        if let Some(code) = answer {
                            conn.pipe.write_down(&ws::close_frame(code, ""));
                            conn.server_closed = true;
                        }
                        if conn.server_closed {
                            conn.pipe.close();
                        }
                        conn.phase = Phase::Done;
                    }
                }
            }
            Packet::ApiResponse {
                pipe,
                call,
                response,
            } => {
                let waiting = self
                    .conns
                    .get(&pipe)
                    .is_some_and(|c| matches!(c.phase, Phase::Waiting));
                self.log.calls[call].fate = if waiting {
                    CallFate::Answered {
                        at: now,
                        status: response.status,
                        body: response.body.clone(),
                    }
                } else {
                    CallFate::Abandoned
                };
                if let Some(conn) = self.conns.get_mut(&pipe).filter(|_| waiting) {
                    let retry_after = response.retry_after_header();
                    conn.pipe.write_down(&http::response(
                        response.status,
                        response.content_type,
                        retry_after.as_deref(),
                        response.body.as_bytes(),
                    ));
                    conn.pipe.close();
                    conn.phase = Phase::Done;
                }
            }
            Packet::ApiFail { pipe, call } => {
                self.log.calls[call].fate = CallFate::Unanswered;
                if let Some(conn) = self.conns.get_mut(&pipe) {
                    conn.pipe.reset();
                    conn.phase = Phase::Done;
                }
            }
            Packet::Connected { pipe } => {
                let Some(conn) = self.conns.get_mut(&pipe) else {
                    return;
                };
                match std::mem::replace(&mut conn.phase, Phase::Done) {
                    Phase::Upgrading { key } if !conn.client_closed => {
                        conn.pipe.write_down(&http::switching_protocols(&key));
                        conn.phase = Phase::Open {
                            reader: ws::Reader::default(),
                        };
                        // Frames may have come with the handshake.
                        self.read(pipe);
                    }
                    _ => {
                        // The client gave up on the handshake: the socket never opened.
                        if let Some(socket) = conn.socket {
                            self.peer.closed(now, socket, None, "handshake abandoned");
                        }
                    }
                }
            }
            Packet::ConnectFailed {
                pipe,
                status,
                reason,
            } => {
                if let Some(conn) = self.conns.get_mut(&pipe) {
                    conn.pipe.write_down(&http::response(
                        status,
                        "text/plain; charset=utf-8",
                        None,
                        reason.as_bytes(),
                    ));
                    conn.pipe.close();
                    conn.phase = Phase::Done;
                }
            }
            Packet::ServerText { pipe, text } | Packet::StrayText { pipe, text } => {
                if self.reaches_client(pipe) {
                    self.log.to_client.push(FrameRecord {
                        at: now,
                        text: text.clone(),
                    });
                    self.write(pipe, &ws::text(&text));
                }
            }
            Packet::ServerPing { pipe, payload } => {
                if self.reaches_client(pipe) {
                    self.write(pipe, &ws::ping(&payload));
                }
            }
            Packet::ServerPong { pipe, payload } => {
                if self.reaches_client(pipe) {
                    self.write(pipe, &ws::pong(&payload));
                }
            }
            Packet::ServerClose { pipe, code, reason } => {
                if self.reaches_client(pipe) {
                    self.write(pipe, &ws::close_frame(code, &reason));
                    if let Some(conn) = self.conns.get_mut(&pipe) {
                        // The client's close frame answers it; then the connection ends.
                        conn.server_closed = true;
                    }
                }
            }
        }
    }

    /// Carries out what the peer has to say.
    fn pump(&mut self) {
        while let Some(output) = self.peer.poll_output() {
            match output {
                PeerOutput::Answer { call, response } => {
                    if let Some((pipe, call)) = self.calls.remove(&call) {
                        self.put(Packet::ApiResponse {
                            pipe,
                            call,
                            response,
                        });
                    }
                }
                PeerOutput::FailCall { call } => {
                    if let Some((pipe, call)) = self.calls.remove(&call) {
                        self.put(Packet::ApiFail { pipe, call });
                    }
                }
                PeerOutput::SendText { socket, text } => self.put_server_text(socket, text),
                PeerOutput::SendPing { socket, payload } => {
                    if let Some(&pipe) = self.socket_pipe.get(&socket) {
                        self.put(Packet::ServerPing { pipe, payload });
                    }
                }
                PeerOutput::SendPong { socket, payload } => {
                    if let Some(&pipe) = self.socket_pipe.get(&socket) {
                        self.put(Packet::ServerPong { pipe, payload });
                    }
                }
                PeerOutput::Close {
                    socket,
                    code,
                    reason,
                } => {
                    if let Some(&pipe) = self.socket_pipe.get(&socket) {
                        self.put(Packet::ServerClose { pipe, code, reason });
                    }
                }
                PeerOutput::Reset { socket } => {
                    if let Some(conn) = self
                        .socket_pipe
                        .get(&socket)
                        .and_then(|pipe| self.conns.get_mut(pipe))
                    {
                        conn.client_closed = true;
                        conn.pipe.reset();
                        conn.phase = Phase::Done;
                    }
                }
                PeerOutput::GoSilent { socket } => {
                    if let Some(conn) = self
                        .socket_pipe
                        .get(&socket)
                        .and_then(|pipe| self.conns.get_mut(pipe))
                    {
                        conn.silent = true;
                    }
                }
                PeerOutput::Finished => {
                    if self.finished_at.is_none() {
                        self.finished_at = Some(self.now);
                        self.finished.notify_one();
                    }
                }
            }
        }
    }

    // ----- faults -----

    /// Applies every fault due by now, and Slack's noticing of connections cut earlier.
    fn apply_due_faults(&mut self) {
        let now = self.now;
        while let Some(&(at, socket)) = self.notices.first() {
            if at > now {
                break;
            }
            self.notices.pop_first();
            // Slack drops its end: whatever the client still sends there is lost.
            if let Some(conn) = self
                .socket_pipe
                .get(&socket)
                .and_then(|pipe| self.conns.get_mut(pipe))
            {
                conn.cut_to_server = true;
            }
            self.peer
                .closed(now, socket, None, "connection lost (no answer)");
            self.pump();
        }
        while self
            .faults
            .front()
            .is_some_and(|f| Instant::from_millis(f.at_ms) <= now)
        {
            let Some(timed) = self.faults.pop_front() else {
                break;
            };
            if self.apply(timed.fault) {
                self.chaos.applied += 1;
            } else {
                self.chaos.skipped += 1;
            }
            self.pump();
        }
    }

    /// The client's `n`th open connection (oldest first, modulo their number) and its socket.
    fn pick_connection(&self, n: u8) -> Option<(u32, u32)> {
        let open: Vec<(u32, u32)> = self
            .conns
            .iter()
            .filter(|(_, c)| !c.client_closed)
            .filter_map(|(&pipe, c)| Some((pipe, c.socket?)))
            .collect();
        (!open.is_empty()).then(|| open[usize::from(n) % open.len()])
    }

    /// Applies one fault; false if there was nothing to apply it to.
    fn apply(&mut self, fault: Fault) -> bool {
        let now = self.now;
        let target = |which: Which| match which {
            Which::Oldest => Target::Oldest,
            Which::Newest => Target::Newest,
            _ => Target::All,
        };
        match fault {
            Fault::Cut {
                conn,
                direction,
                server_notices_after_ms,
            } => {
                let Some((pipe, socket)) = self.pick_connection(conn) else {
                    return false;
                };
                if let Some(conn) = self.conns.get_mut(&pipe) {
                    conn.cut_to_server |= direction != Direction::ToClient;
                    conn.cut_to_client |= direction != Direction::ToServer;
                }
                if let Some(after) = server_notices_after_ms {
                    self.notices
                        .insert((now + Duration::from_millis(after), socket));
                }
                true
            }
            Fault::Reset { conn } => {
                let Some((pipe, socket)) = self.pick_connection(conn) else {
                    return false;
                };
                if let Some(conn) = self.conns.get_mut(&pipe) {
                    // Whatever is still in flight dies with the connection.
                    conn.client_closed = true;
                    conn.cut_to_server = true;
                    conn.cut_to_client = true;
                    conn.pipe.reset();
                    conn.phase = Phase::Done;
                }
                self.peer.closed(now, socket, None, "connection reset");
                true
            }
            Fault::Partition { duration_ms } => {
                self.net.partition(now, Duration::from_millis(duration_ms));
                true
            }
            Fault::ApiError {
                status,
                retry_after_s,
                error,
                times,
            } => {
                let endpoint = self
                    .url_method
                    .clone()
                    .unwrap_or_else(|| URL_METHODS[0].to_owned());
                self.fail(&endpoint, status, error, retry_after_s, times)
            }
            Fault::ApiNoAnswer { times } => {
                self.swallow_url_calls += times;
                true
            }
            Fault::HandshakeFailure { status, times } => {
                self.fail("websocket", status, None, None, times)
            }
            Fault::Disconnect { reason, socket } => self.peer.inject(
                now,
                StepAction::Disconnect {
                    reason,
                    target: target(socket),
                    frame: None,
                },
            ),
            Fault::ServerClose { code, socket } => self.peer.inject(
                now,
                StepAction::Close {
                    target: target(socket),
                    code,
                    reason: "closed by the server".into(),
                },
            ),
            Fault::Silence { socket } => self.peer.inject(
                now,
                StepAction::Silence {
                    target: target(socket),
                },
            ),
            Fault::RefreshAfterHello {
                reason,
                duration_ms,
            } => self.misbehave(Misbehaviour::RefreshAfterHello { reason }, duration_ms),
            Fault::Echo { duration_ms } => self.misbehave(Misbehaviour::Echo, duration_ms),
            Fault::ConnectionTime { secs, duration_ms } => {
                self.misbehave(Misbehaviour::ConnectionTime { secs }, duration_ms)
            }
            Fault::Redeliver {
                label,
                new_envelope_id,
            } => self.peer.inject(
                now,
                StepAction::Redeliver(RedeliverStep {
                    label,
                    retry_attempt: None,
                    retry_reason: "timeout".into(),
                    new_envelope_id,
                    elsewhere: false,
                    target: Target::Any,
                }),
            ),
        }
    }

    /// A hostile server for a while (played by the fake).
    fn misbehave(&mut self, behaviour: Misbehaviour, duration_ms: u64) -> bool {
        let duration = Duration::from_millis(duration_ms);
        self.peer.inject(
            self.now,
            StepAction::Misbehave {
                behaviour,
                duration,
            },
        )
    }

    fn fail(
        &mut self,
        endpoint: &str,
        status: u16,
        error: Option<String>,
        retry_after_s: Option<u64>,
        times: u32,
    ) -> bool {
        let step = FailStep {
            endpoint: endpoint.to_owned(),
            status,
            error,
            retry_after: retry_after_s.map(Duration::from_secs),
            body: None,
            times: times.max(1),
        };
        self.peer.inject(self.now, StepAction::Fail(step))
    }
}

/// The server's task: steps the server whenever a connection has something for it or its next
/// deadline comes, in the runtime's (virtual) time. Runs until the runtime is dropped.
pub(crate) async fn serve(
    server: Arc<Mutex<Server>>,
    signal: Arc<Signal>,
    start: tokio::time::Instant,
) {
    loop {
        let now = Instant::from_elapsed(start.elapsed());
        let next = {
            let mut server = lock(&server);
            server.step(now, signal.take());
            server.next_deadline()
        };
        match next {
            Some(at) => {
                // A deadline at or before now has been served; the next tick is the earliest.
                let at = start + at.elapsed_since_epoch().max(now.elapsed_since_epoch());
                tokio::select! {
                    biased;
                    () = signal.wait() => {}
                    () = tokio::time::sleep_until(at) => {}
                }
            }
            None => signal.wait().await,
        }
    }
}
