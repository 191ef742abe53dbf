//! The loop thread: one [`Session`], fed one input at a time, its actions carried out at once.
//!
//! It waits for the first of: an app command, a network input (unless handlers are backed
//! up), room in the handler queue (when work is waiting), or the session's next deadline; then
//! feeds one input and drains every action. Expiry is decided by the clock. It never blocks on
//! a connection or a handler: sends to connections are `try_send`, HTTP requests run on their
//! own threads, and while the handler queue is full it stops taking network input (the
//! connection threads then stop reading, so back-pressure reaches TCP) but keeps serving
//! timers and acks.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use bytes::Bytes;
use crossbeam_channel::{Receiver, Select, Sender, TrySendError};
use slackline::{
    Action, ConnId, Event, RequestId, RtmOutcome, Session, StopReason, CLOSE_GOING_AWAY,
};

use crate::command::Command;
use crate::dispatch::Work;
use crate::http::{HttpClient, HttpFailure};
use crate::tracker::Tracker;
use crate::websocket::{ConnLink, Outbound, WsSetup};
use slackline_async_driver::shared::ack;

/// Inputs the connection and HTTP threads may have queued for the loop.
const INBOUND_CAPACITY: usize = 64;
/// A deadline too far away to represent: wait "forever" (re-armed whenever it changes).
const FAR: Duration = Duration::from_secs(365 * 24 * 3600);

/// What the IO threads report to the loop.
#[derive(Debug)]
pub(crate) enum Inbound {
    Http {
        id: RequestId,
        result: Result<slackline::HttpResponse, HttpFailure>,
    },
    Connected(ConnId),
    ConnectFailed(ConnId, String),
    Text(ConnId, Bytes),
    Binary(ConnId, Bytes),
    Ping(ConnId),
    Pong(ConnId, Bytes),
    Closed {
        conn: ConnId,
        code: Option<u16>,
        reason: String,
    },
}

pub(crate) struct Driver {
    /// The session's `Instant::ZERO`.
    epoch: Instant,
    session: Session,
    http: HttpClient,
    ws: WsSetup,
    inbound_tx: Sender<Inbound>,
    inbound: Receiver<Inbound>,
    commands: Receiver<Command>,
    /// Keeps the command channel open while no handle is left, so waiting on it never spins.
    _commands_tx: Sender<Command>,
    conns: BTreeMap<ConnId, ConnLink>,
    conn_threads: Tracker,
    backlog: VecDeque<Work>,
    work: Option<Sender<Work>>,
    observer: Option<Sender<Event>>,
    rtm_replies: HashMap<u64, Sender<RtmOutcome>>,
}

pub(crate) struct DriverParts {
    pub(crate) session: Session,
    pub(crate) http: HttpClient,
    pub(crate) ws: WsSetup,
    pub(crate) commands: Receiver<Command>,
    pub(crate) commands_tx: Sender<Command>,
    pub(crate) work: Sender<Work>,
    pub(crate) observer: Option<Sender<Event>>,
}

impl Driver {
    /// Starts the clock: the session was created at `Instant::ZERO`, which is now.
    pub(crate) fn new(parts: DriverParts) -> Self {
        let (inbound_tx, inbound) = crossbeam_channel::bounded(INBOUND_CAPACITY);
        Driver {
            epoch: Instant::now(),
            session: parts.session,
            http: parts.http,
            ws: parts.ws,
            inbound_tx,
            inbound,
            commands: parts.commands,
            _commands_tx: parts.commands_tx,
            conns: BTreeMap::new(),
            conn_threads: Tracker::new(),
            backlog: VecDeque::new(),
            work: Some(parts.work),
            observer: parts.observer,
            rtm_replies: HashMap::new(),
        }
    }

    /// Runs the session until it stops, then winds down: acked work still queued goes to the
    /// handlers, which get until the shutdown timeout to finish; connections get their close
    /// handshake.
    pub(crate) fn run(mut self, handlers: Tracker) -> StopReason {
        // Actions queued at construction (the first URL request) come before any input.
        self.drain();
        let reason = loop {
            if let Some(reason) = self.session.stop_reason() {
                break reason.clone();
            }
            self.flush_backlog();
            self.step();
        };
        // Acks and RTM sends from here on are refused; waiting senders learn it at once.
        self.commands = crossbeam_channel::never();
        self.rtm_replies.clear();
        let drain_deadline = Instant::now() + self.session.config().shutdown_timeout();
        if let Some(work) = self.work.take() {
            for item in std::mem::take(&mut self.backlog) {
                if work.send_deadline(item, drain_deadline).is_err() {
                    break;
                }
            }
            // The workers finish what is queued, then end.
        }
        if !handlers.wait(drain_deadline) {
            tracing::warn!("handlers still running after the shutdown timeout; not waiting");
        }
        for (_, link) in std::mem::take(&mut self.conns) {
            link.close(slackline::CLOSE_NORMAL, "bye");
        }
        let close_deadline = Instant::now() + self.ws.close_timeout + Duration::from_millis(100);
        let threads = std::mem::replace(&mut self.conn_threads, Tracker::new());
        threads.wait(close_deadline);
        reason
    }

    fn now(&self) -> slackline::Instant {
        slackline::Instant::from_elapsed(self.epoch.elapsed())
    }

    fn to_std(&self, at: slackline::Instant) -> Instant {
        let since = at.elapsed_since_epoch().min(FAR);
        self.epoch.checked_add(since).unwrap_or(self.epoch + FAR)
    }

    /// Waits for one input (or the deadline) and feeds it.
    fn step(&mut self) {
        let now = self.now();
        let deadline = self.session.poll_timeout();
        if deadline.is_some_and(|at| at <= now) {
            self.session.handle_timeout(now);
            self.drain();
            return;
        }
        // No network input while the handlers are behind; the session hears of each pause (an
        // unread pong is not a dead connection).
        let paused = !self.backlog.is_empty();
        if paused != self.session.is_input_paused() {
            self.session.handle_input_paused(now, paused);
            self.drain();
            return;
        }
        let mut select = Select::new();
        let commands = select.recv(&self.commands);
        let inbound = (!paused).then(|| select.recv(&self.inbound));
        // Wake when a handler slot frees up, to hand over the backlog.
        if let (Some(work), false) = (&self.work, self.backlog.is_empty()) {
            select.send(work);
        }
        let ready = match deadline {
            Some(at) => select.ready_deadline(self.to_std(at)),
            None => Ok(select.ready()),
        };
        match ready {
            Ok(index) if index == commands => {
                if let Ok(command) = self.commands.try_recv() {
                    self.command(command);
                }
            }
            Ok(index) if Some(index) == inbound => {
                if let Ok(input) = self.inbound.try_recv() {
                    self.input(input);
                }
            }
            // Room for work (handed over by `flush_backlog`), or the deadline (handled above).
            _ => {}
        }
    }

    fn flush_backlog(&mut self) {
        let Some(work) = &self.work else {
            return;
        };
        while let Some(item) = self.backlog.pop_front() {
            match work.try_send(item) {
                Ok(()) => {}
                Err(TrySendError::Full(item)) => {
                    self.backlog.push_front(item);
                    return;
                }
                Err(TrySendError::Disconnected(_)) => {
                    tracing::error!("the handler pool is gone; dropping its work");
                    self.backlog.clear();
                    self.work = None;
                    return;
                }
            }
        }
    }

    fn input(&mut self, input: Inbound) {
        let now = self.now();
        let session = &mut self.session;
        match input {
            Inbound::Http {
                id,
                result: Ok(response),
            } => session.handle_http_response(now, id, response),
            Inbound::Http {
                id,
                result: Err(failure),
            } => session.handle_http_failed(now, id, &failure.to_string()),
            Inbound::Connected(conn) => session.handle_connected(now, conn),
            Inbound::ConnectFailed(conn, detail) => {
                self.conns.remove(&conn);
                session.handle_connect_failed(now, conn, &detail);
            }
            Inbound::Text(conn, text) => session.handle_text(now, conn, text),
            Inbound::Binary(conn, data) => session.handle_binary(now, conn, data),
            Inbound::Ping(conn) => session.handle_ping(now, conn),
            Inbound::Pong(conn, payload) => session.handle_pong(now, conn, &payload),
            Inbound::Closed { conn, code, reason } => {
                self.conns.remove(&conn);
                session.handle_closed(now, conn, code, &reason);
            }
        }
        self.drain();
    }

    fn command(&mut self, command: Command) {
        let now = self.now();
        match command {
            Command::Ack {
                envelope_id,
                payload,
                reply,
            } => {
                let result = ack(&mut self.session, now, &envelope_id, payload.as_deref());
                match reply {
                    Some(reply) => drop(reply.send(result)),
                    None => {
                        if let Err(error) = result {
                            tracing::debug!(%envelope_id, %error, "ack after the handler ended");
                        }
                    }
                }
            }
            Command::Rtm { message, reply } => {
                let queued = message.send(&mut self.session, now).map(|id| {
                    if message.is_silent() {
                        (id, None)
                    } else {
                        let (tx, rx) = crossbeam_channel::bounded(1);
                        self.rtm_replies.insert(id, tx);
                        (id, Some(rx))
                    }
                });
                let _ = reply.send(queued);
            }
            Command::Shutdown => {
                tracing::info!("shutdown requested");
                self.session.shutdown(now);
            }
        }
        self.drain();
    }

    /// Carries out every queued action, including those that carrying out others produces.
    fn drain(&mut self) {
        while let Some(action) = self.session.poll_action() {
            self.execute(action);
        }
    }

    fn execute(&mut self, action: Action) {
        match action {
            Action::Http(request) => {
                let http = self.http.clone();
                let inbound = self.inbound_tx.clone();
                let spawned =
                    std::thread::Builder::new()
                        .name("slack-http".into())
                        .spawn(move || {
                            let span =
                                tracing::debug_span!("slack_http", method = request.method());
                            let _entered = span.enter();
                            let result = http.post(&request);
                            if let Err(failure) = &result {
                                tracing::warn!(%failure, "request failed");
                            }
                            let _ = inbound.send(Inbound::Http {
                                id: request.id(),
                                result,
                            });
                        });
                if let Err(error) = spawned {
                    tracing::error!(%error, "could not start an HTTP thread");
                }
            }
            Action::Connect { conn, url } => {
                let token = self.conn_threads.token();
                let link = self.ws.spawn(conn, url, self.inbound_tx.clone(), token);
                self.conns.insert(conn, link);
            }
            Action::SendText { conn, text } => self.send(conn, Outbound::Text(text)),
            Action::SendPing { conn, payload } => self.send(conn, Outbound::Ping(payload)),
            Action::Close { conn, code, reason } => {
                if let Some(link) = self.conns.remove(&conn) {
                    link.close(code, reason);
                }
            }
            Action::Dispatch(event) => self.dispatch(event),
            other => tracing::debug!(action = ?other, "action not supported by this driver"),
        }
    }

    fn send(&mut self, conn: ConnId, frame: Outbound) {
        // No link: the thread has ended and its `Closed` report is on the way.
        let Some(link) = self.conns.get_mut(&conn) else {
            return;
        };
        match link.out.try_send(frame) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!(%conn, "outbound queue full: dropping the connection");
                if let Some(link) = self.conns.remove(&conn) {
                    link.close(CLOSE_GOING_AWAY, "stuck");
                }
                let now = self.now();
                self.session
                    .handle_closed(now, conn, None, "outbound queue full");
            }
        }
    }

    fn dispatch(&mut self, event: Event) {
        match event {
            Event::Envelope(envelope) => self.backlog.push_back(Work::Envelope(envelope)),
            Event::Rtm(event) => self.backlog.push_back(Work::Rtm(event)),
            Event::RtmReply(reply) => match self.rtm_replies.remove(&reply.id) {
                Some(waiter) => drop(waiter.send(reply.outcome)),
                None => tracing::debug!(id = reply.id, outcome = ?reply.outcome, "RTM reply"),
            },
            other => {
                tracing::debug!(event = ?other, "event");
                if let Some(observer) = &self.observer {
                    // Observation is best effort: a slow observer loses events, never stalls the loop.
                    if let Err(TrySendError::Full(_)) = observer.try_send(other) {
                        tracing::debug!("event observer lagging; event dropped");
                    }
                }
            }
        }
    }
}
