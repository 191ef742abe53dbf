//! The loop thread: one session, fed one input at a time, its actions carried out at once.
//!
//! It waits for the first of: an app command, a network input (unless handlers are backed
//! up), room in the handler queue (when work is waiting), or the session's next deadline; then
//! feeds one input and drains every action. Expiry is decided by the clock. It never blocks on
//! a connection or a handler: sends to connections are `try_send`, HTTP requests run on their
//! own threads, and while the handler queue is full it stops taking network input (the
//! connection threads then stop reading, so back-pressure reaches TCP) but keeps serving
//! timers and acks.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Select, Sender, TrySendError};
use slackline::{ConnId, HttpRequest, Input, StopReason};
use slackline_client::{
    http_input, Carrier, Clock, Command, Frame, HttpPost, SessionHost, Stuck, Work,
};

use crate::http::HttpClient;
use crate::tracker::Tracker;
use crate::websocket::{ConnLink, WsSetup};

/// Inputs the connection and HTTP threads may have queued for the loop.
const INBOUND_CAPACITY: usize = 64;

pub(crate) struct Driver {
    clock: Clock,
    host: SessionHost,
    io: Io,
    inbound: Receiver<Input>,
    commands: Receiver<Command>,
    /// Keeps the command channel open while no handle is left, so waiting on it never spins.
    _commands_tx: Sender<Command>,
}

/// The loop's side of the network and the handlers: what carries out the session's actions.
struct Io {
    http: HttpClient,
    ws: WsSetup,
    inbound_tx: Sender<Input>,
    conns: BTreeMap<ConnId, ConnLink>,
    conn_threads: Tracker,
    backlog: VecDeque<Work>,
    work: Option<Sender<Work>>,
}

pub(crate) struct DriverParts {
    pub(crate) host: SessionHost,
    pub(crate) http: HttpClient,
    pub(crate) ws: WsSetup,
    pub(crate) commands: Receiver<Command>,
    pub(crate) commands_tx: Sender<Command>,
    pub(crate) work: Sender<Work>,
}

impl Driver {
    /// Starts the clock: the session was created at `Instant::ZERO`, which is now.
    pub(crate) fn new(parts: DriverParts) -> Self {
        let (inbound_tx, inbound) = crossbeam_channel::bounded(INBOUND_CAPACITY);
        Driver {
            clock: Clock::starting_at(Instant::now()),
            host: parts.host,
            io: Io {
                http: parts.http,
                ws: parts.ws,
                inbound_tx,
                conns: BTreeMap::new(),
                conn_threads: Tracker::new(),
                backlog: VecDeque::new(),
                work: Some(parts.work),
            },
            inbound,
            commands: parts.commands,
            _commands_tx: parts.commands_tx,
        }
    }

    /// Runs the session until it stops, then winds down: acked work still queued goes to the
    /// handlers, which get until the shutdown timeout to finish; connections get their close
    /// handshake.
    pub(crate) fn run(mut self, handlers: Tracker) -> StopReason {
        // Actions queued at construction (the first URL request) come before any input.
        let now = self.now();
        self.host.drain(now, &mut self.io);
        let reason = loop {
            if let Some(reason) = self.host.session().stop_reason() {
                break reason.clone();
            }
            self.io.flush_backlog();
            self.step();
        };
        // Acks and RTM sends from here on are refused; waiting senders learn it at once.
        self.commands = crossbeam_channel::never();
        let drain_deadline = Instant::now() + self.host.session().config().shutdown_timeout();
        let io = &mut self.io;
        if let Some(work) = io.work.take() {
            for item in std::mem::take(&mut io.backlog) {
                if work.send_deadline(item, drain_deadline).is_err() {
                    break;
                }
            }
            // The workers finish what is queued, then end.
        }
        if !handlers.wait(drain_deadline) {
            tracing::warn!("handlers still running after the shutdown timeout; not waiting");
        }
        for (_, link) in std::mem::take(&mut io.conns) {
            link.close(slackline::CLOSE_NORMAL, "bye");
        }
        let close_deadline = Instant::now() + io.ws.close_timeout + Duration::from_millis(100);
        let threads = std::mem::replace(&mut io.conn_threads, Tracker::new());
        threads.wait(close_deadline);
        reason
    }

    fn now(&self) -> slackline::Instant {
        self.clock.session_time(Instant::now())
    }

    fn feed(&mut self, now: slackline::Instant, input: Input) {
        if let Input::ConnectFailed { conn, .. } | Input::Closed { conn, .. } = &input {
            self.io.conns.remove(conn);
        }
        // Network and driver inputs are never refused.
        let _ = self.host.feed(now, input, &mut self.io);
    }

    /// Waits for one input (or the deadline) and feeds it.
    fn step(&mut self) {
        let now = self.now();
        let deadline = self.host.session().poll_timeout();
        if deadline.is_some_and(|at| at <= now) {
            return self.feed(now, Input::Timeout);
        }
        // No network input while the handlers are behind; the session hears of each pause (an
        // unread pong is not a dead connection).
        let paused = !self.io.backlog.is_empty();
        if paused != self.host.session().is_input_paused() {
            return self.feed(now, Input::InputPaused(paused));
        }
        let mut select = Select::new();
        let commands = select.recv(&self.commands);
        let inbound = (!paused).then(|| select.recv(&self.inbound));
        // Wake when a handler slot frees up, to hand over the backlog.
        if let (Some(work), false) = (&self.io.work, self.io.backlog.is_empty()) {
            select.send(work);
        }
        let ready = match deadline {
            Some(at) => select.ready_deadline(self.clock.to_std(at)),
            None => Ok(select.ready()),
        };
        match ready {
            Ok(index) if index == commands => {
                if let Ok(command) = self.commands.try_recv() {
                    self.host.command(self.now(), command, &mut self.io);
                }
            }
            Ok(index) if Some(index) == inbound => {
                if let Ok(input) = self.inbound.try_recv() {
                    self.feed(self.now(), input);
                }
            }
            // Room for work (handed over by `flush_backlog`), or the deadline (handled above).
            _ => {}
        }
    }
}

impl Io {
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
}

impl Carrier for Io {
    fn http(&mut self, request: HttpRequest) {
        let http = self.http.clone();
        let inbound = self.inbound_tx.clone();
        let spawned = std::thread::Builder::new()
            .name("slack-http".into())
            .spawn(move || {
                let span = tracing::debug_span!("slack_http", method = request.method());
                let _entered = span.enter();
                let result = http.post(&HttpPost::from(&request));
                if let Err(failure) = &result {
                    tracing::warn!(%failure, "request failed");
                }
                let _ = inbound.send(http_input(request.id(), result));
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "could not start an HTTP thread");
        }
    }

    fn connect(&mut self, conn: ConnId, url: String) {
        let token = self.conn_threads.token();
        let link = self.ws.spawn(conn, url, self.inbound_tx.clone(), token);
        self.conns.insert(conn, link);
    }

    fn send(&mut self, conn: ConnId, frame: Frame) -> Result<(), Stuck> {
        // No link: the thread has ended and its `Closed` report is on the way.
        let Some(link) = self.conns.get_mut(&conn) else {
            return Ok(());
        };
        match link.out.try_send(frame) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => Ok(()),
            Err(TrySendError::Full(_)) => Err(Stuck),
        }
    }

    fn close(&mut self, conn: ConnId, code: u16, reason: &'static str) {
        if let Some(link) = self.conns.remove(&conn) {
            link.close(code, reason);
        }
    }

    fn hand_over(&mut self, work: Work) {
        self.backlog.push_back(work);
    }
}
