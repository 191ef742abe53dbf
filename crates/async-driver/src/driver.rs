//! The drive loop: one [`Session`], fed one input at a time, its actions carried out at once.
//!
//! It is a hand-written poll function (after quinn's `ConnectionDriver`) rather than a
//! `select!`: each wake it takes, in order, an expired deadline (read from the clock, not the
//! timer future), one app command, one frame from each open WebSocket, and one report from
//! the background tasks (HTTP answers, sockets opened), drains the session's actions after
//! each, and does a bounded amount of work before yielding. The loop reads and writes the
//! WebSockets itself ([`Link`]): frames queued during a wake are written with one flush at
//! its end. It never awaits: handlers get their work through a bounded queue, and while that
//! queue is full the loop stops taking network input (but keeps serving timers and acks).

use std::collections::{BTreeMap, HashMap};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_channel::{mpsc, oneshot};
use futures_util::future::select;
use futures_util::{SinkExt, StreamExt};
use slackline::{Action, ConnId, Event, RtmOutcome, Session, StopReason, CLOSE_GOING_AWAY};
use tracing::Instrument;

use async_tungstenite::tungstenite::Message;

use crate::clock::Clock;
use crate::command::{ack, Command};
use crate::http::HttpClient;
use crate::link::{Link, Read};
use crate::router::Work;
use crate::runtime::{BoxFuture, Runtime};
use crate::tap::Tap;
use crate::tasks::TaskTracker;
use crate::websocket::{Inbound, Opening, Report, WsSetup};
use crate::work_queue::WorkSender;

/// Open sockets the loop reads at most (Slack allows 10; the session keeps at most 11 while
/// one is replaced).
const MAX_LINKS: usize = 16;
/// Reports the background tasks may have queued for the loop.
const REPORT_CAPACITY: usize = 64;
/// Steps per wake before yielding to other tasks on the executor.
const STEPS_PER_WAKE: usize = 64;
/// Frames read from one link in one step. The acks they produce stay queued until the end of
/// the wake, so a wake reads at most the link's high-water mark of frames anyway.
const FRAMES_PER_STEP: usize = 16;

pub(crate) struct Driver<R: Runtime> {
    runtime: R,
    clock: Clock,
    session: Session,
    http: HttpClient<R>,
    ws: WsSetup<R>,
    reports_tx: mpsc::Sender<Report>,
    reports: mpsc::Receiver<Report>,
    commands: mpsc::Receiver<Command>,
    /// Sockets being opened by a task.
    opening: BTreeMap<ConnId, Opening>,
    /// Open sockets, read and written by the loop.
    links: BTreeMap<ConnId, Link>,
    /// Which link is read first next time, so that none is favoured.
    next_link: usize,
    /// A link was skipped this wake because its writes were queued up to the high-water mark.
    held_back: bool,
    conn_tasks: TaskTracker,
    timer: Option<(slackline::Instant, BoxFuture<'static, ()>)>,
    /// Events for the handlers.
    work: WorkSender<Work>,
    observer: Option<mpsc::Sender<Event>>,
    rtm_replies: HashMap<u64, oneshot::Sender<RtmOutcome>>,
    /// Records the traffic when the app asked for a transcript.
    tap: Option<Tap>,
}

pub(crate) struct DriverParts<R: Runtime> {
    pub(crate) session: Session,
    pub(crate) http: HttpClient<R>,
    pub(crate) ws: WsSetup<R>,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) work: WorkSender<Work>,
    pub(crate) observer: Option<mpsc::Sender<Event>>,
    pub(crate) tap: Option<Tap>,
}

impl<R: Runtime> Driver<R> {
    /// Starts the clock: the session was created at `Instant::ZERO`, which is now.
    pub(crate) fn new(parts: DriverParts<R>) -> Self {
        let runtime = parts.http.runtime().clone();
        let (reports_tx, reports) = mpsc::channel(REPORT_CAPACITY);
        Driver {
            clock: Clock::start(&runtime),
            runtime,
            session: parts.session,
            http: parts.http,
            ws: parts.ws,
            reports_tx,
            reports,
            commands: parts.commands,
            opening: BTreeMap::new(),
            links: BTreeMap::new(),
            next_link: 0,
            held_back: false,
            conn_tasks: TaskTracker::new(),
            timer: None,
            work: parts.work,
            observer: parts.observer,
            rtm_replies: HashMap::new(),
            tap: parts.tap,
        }
    }

    /// Runs the session until it stops, then winds down: acked work still queued goes to the
    /// handlers, running handlers get until `drain_timeout` to finish, connections get their
    /// close handshake.
    pub(crate) async fn run(mut self, handlers: TaskTracker) -> StopReason {
        // Actions queued at construction (the first URL request) come before any input.
        self.drain();
        let reason = poll_fn(|cx| self.poll_drive(cx)).await;
        self.commands.close();
        self.reports.close();
        let drain_timeout = self.session.config().shutdown_timeout();
        // The dispatcher finishes what is queued, then ends.
        self.work.close();
        let handlers_done = handlers.wait();
        let runtime = self.runtime.clone();
        if !within(&runtime, drain_timeout, handlers_done).await {
            tracing::warn!("handlers still running after the shutdown timeout; not waiting");
        }
        self.opening.clear();
        for (conn, link) in std::mem::take(&mut self.links) {
            let token = self.conn_tasks.token();
            self.ws
                .close(conn, link, slackline::CLOSE_NORMAL, "bye", token);
        }
        let conn_tasks = std::mem::replace(&mut self.conn_tasks, TaskTracker::new());
        let close_timeout = self.ws.close_timeout + Duration::from_millis(100);
        within(&runtime, close_timeout, conn_tasks.wait()).await;
        reason
    }

    fn now(&self) -> slackline::Instant {
        self.clock.now(&self.runtime)
    }

    fn poll_drive(&mut self, cx: &mut Context<'_>) -> Poll<StopReason> {
        let mut busy = true;
        self.held_back = false;
        for _ in 0..STEPS_PER_WAKE {
            if self.session.stop_reason().is_some() {
                break;
            }
            if !(self.step(cx) || self.poll_timer(cx)) {
                busy = false;
                break;
            }
        }
        // What this wake queued leaves in one write per socket.
        self.write_links(cx);
        if let Some(reason) = self.session.stop_reason() {
            return Poll::Ready(reason.clone());
        }
        // Bounded work per wake: let the executor run other tasks, then come back. A link held
        // back by its queued writes was not polled for reading: if the flush made room, nothing
        // else would wake the loop for it.
        if busy || (self.held_back && self.links.values().any(Link::wants_input)) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    /// Feeds one input if one is ready.
    fn step(&mut self, cx: &mut Context<'_>) -> bool {
        // The clock decides expiry, not the timer future: a sleep can stay Pending past its
        // deadline (tokio's cooperative budget), and a late tick must not delay pings or acks.
        let now = self.now();
        if self.session.poll_timeout().is_some_and(|at| at <= now) {
            self.session.handle_timeout(now);
            self.drain();
            return true;
        }
        if let Poll::Ready(Some(command)) = self.commands.poll_next_unpin(cx) {
            self.command(command);
            return true;
        }
        if let Poll::Ready(Some(report)) = self.reports.poll_next_unpin(cx) {
            self.report(report);
            return true;
        }
        // Frames only while the handlers keep up (back-pressure reaches TCP otherwise). The
        // session hears of each pause: an unread pong is not a dead connection.
        let paused = self.work.is_full(cx);
        if paused != self.session.is_input_paused() {
            self.session.handle_input_paused(now, paused);
            self.drain();
        }
        !paused && self.read_links(cx, now)
    }

    /// Reads up to `FRAMES_PER_STEP` frames from each link that has them (starting from a
    /// rotating link, so that a busy socket cannot starve the others); true if any did.
    /// `now` was read at the start of this step: the frames of one step arrived together, and
    /// the step's other work (the clock, the session's next deadline, polling the command and
    /// report channels) is paid once for all of them instead of once per frame.
    fn read_links(&mut self, cx: &mut Context<'_>, now: slackline::Instant) -> bool {
        // The ids first (the loop needs `self` for each frame), on the stack.
        let mut conns = [None; MAX_LINKS];
        for (slot, &conn) in conns.iter_mut().zip(self.links.keys()) {
            *slot = Some(conn);
        }
        let count = self.links.len().min(MAX_LINKS);
        if count == 0 {
            return false;
        }
        let mut progressed = false;
        let start = self.next_link % count;
        self.next_link = self.next_link.wrapping_add(1);
        for k in 0..count {
            let Some(conn) = conns[(start + k) % count] else {
                continue;
            };
            for _ in 0..FRAMES_PER_STEP {
                if self.read_link(cx, now, conn).is_none() {
                    break;
                }
                progressed = true;
                // Handlers that fall behind stop the reading (the next step tells the session).
                if self.work.is_full(cx) {
                    return true;
                }
            }
        }
        progressed
    }

    /// Reads one frame from `conn` and hands it to the session; `None` if there was none to
    /// read (or the link is gone or wants no input while its writes are queued).
    fn read_link(
        &mut self,
        cx: &mut Context<'_>,
        now: slackline::Instant,
        conn: ConnId,
    ) -> Option<()> {
        let link = self.links.get_mut(&conn)?;
        if !link.wants_input() {
            // Not polled, so no waker: the loop must come back once the writes are out.
            self.held_back = true;
            return None;
        }
        match link.poll_read(conn, cx) {
            Poll::Pending => return None,
            Poll::Ready(Read::Nothing) => {}
            Poll::Ready(Read::Input(input)) => self.input_at(now, input),
            Poll::Ready(Read::Lost { code, reason }) => {
                tracing::info!(%conn, ?code, %reason, "connection closed");
                if let Some(link) = self.links.remove(&conn) {
                    // Completes the close handshake if the peer started one.
                    self.ws.finish(link, self.conn_tasks.token());
                }
                self.input(Inbound::Closed { conn, code, reason });
            }
        }
        Some(())
    }

    /// Writes and flushes what the links have queued; a link that fails is reported closed.
    fn write_links(&mut self, cx: &mut Context<'_>) {
        let mut failed = Vec::new();
        for (&conn, link) in &mut self.links {
            if link.has_output() {
                if let Err(e) = link.poll_write(cx) {
                    failed.push((conn, e.to_string()));
                }
            }
        }
        for (conn, reason) in failed {
            tracing::info!(%conn, %reason, "connection closed");
            self.links.remove(&conn);
            self.input(Inbound::Closed {
                conn,
                code: None,
                reason,
            });
        }
    }

    /// A background task's report.
    fn report(&mut self, report: Report) {
        match report {
            Report::Http { id, result } => self.input(Inbound::Http { id, result }),
            Report::ConnectFailed(conn, detail) => self.input(Inbound::ConnectFailed(conn, detail)),
            Report::Opened(conn, ws) => {
                let link = Link::new(ws);
                if self.opening.remove(&conn).is_some() {
                    self.links.insert(conn, link);
                    self.input(Inbound::Connected(conn));
                } else {
                    // The session gave up on it while it opened.
                    let token = self.conn_tasks.token();
                    self.ws
                        .close(conn, link, slackline::CLOSE_NORMAL, "bye", token);
                }
            }
        }
    }

    /// Re-arms the timer only when the session's deadline moved earlier; true if it has fired.
    /// A sleep that ends before the deadline is kept: when it fires, the step finds nothing due
    /// and the timer is re-armed then. (A deferred ack's deadline comes and goes with each such
    /// envelope; re-arming for each was a timer registration, and on async-io an `eventfd`
    /// write, per envelope.)
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(deadline) = self.session.poll_timeout() else {
            self.timer = None;
            return false;
        };
        if !matches!(&self.timer, Some((at, _)) if *at <= deadline) {
            let sleep = self.runtime.sleep_until(self.clock.to_std(deadline));
            self.timer = Some((deadline, sleep));
        }
        let fired = match &mut self.timer {
            Some((_, sleep)) => sleep.as_mut().poll(cx).is_ready(),
            None => false,
        };
        if fired {
            self.timer = None;
        }
        fired
    }

    fn input(&mut self, input: Inbound) {
        self.input_at(self.now(), input);
    }

    fn input_at(&mut self, now: slackline::Instant, input: Inbound) {
        if let Some(tap) = &mut self.tap {
            tap.input(now, &input);
        }
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
                self.opening.remove(&conn);
                session.handle_connect_failed(now, conn, &detail);
            }
            Inbound::Text(conn, text) => session.handle_text(now, conn, text),
            Inbound::Binary(conn, data) => session.handle_binary(now, conn, data),
            Inbound::Ping(conn) => session.handle_ping(now, conn),
            Inbound::Pong(conn, payload) => session.handle_pong(now, conn, &payload),
            Inbound::Closed { conn, code, reason } => {
                self.links.remove(&conn);
                session.handle_closed(now, conn, code, &reason);
            }
        }
        self.drain();
    }

    fn command(&mut self, command: Command) {
        let now = self.now();
        if let Some(tap) = &mut self.tap {
            tap.command(now, &command);
        }
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
                        let (tx, rx) = oneshot::channel();
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
            if let Some(tap) = &mut self.tap {
                tap.action(self.clock.now(&self.runtime), &action);
            }
            self.execute(action);
        }
    }

    fn execute(&mut self, action: Action) {
        match action {
            Action::Http(request) => {
                let http = self.http.clone();
                let mut reports = self.reports_tx.clone();
                let span = tracing::debug_span!("slack_http", method = request.method());
                self.runtime.spawn(Box::pin(
                    async move {
                        let result = http.post(&request).await;
                        if let Err(failure) = &result {
                            tracing::warn!(%failure, "request failed");
                        }
                        let id = request.id();
                        let _ = reports.send(Report::Http { id, result }).await;
                    }
                    .instrument(span),
                ));
            }
            Action::Connect { conn, url } => {
                let token = self.conn_tasks.token();
                let opening = self.ws.open(conn, url, self.reports_tx.clone(), token);
                self.opening.insert(conn, opening);
            }
            Action::SendText { conn, text } => self.send(conn, Message::Text(text.into())),
            Action::SendPing { conn, payload } => {
                self.send(conn, Message::Ping(bytes::Bytes::copy_from_slice(&payload)))
            }
            Action::Close { conn, code, reason } => {
                // Dropping an opening cancels it.
                self.opening.remove(&conn);
                if let Some(link) = self.links.remove(&conn) {
                    let token = self.conn_tasks.token();
                    self.ws.close(conn, link, code, reason, token);
                }
            }
            Action::Dispatch(event) => self.dispatch(event),
            other => tracing::debug!(action = ?other, "action not supported by this driver"),
        }
    }

    fn send(&mut self, conn: ConnId, frame: Message) {
        // No link: it has just closed, and the session hears of it with this wake's inputs.
        let Some(link) = self.links.get_mut(&conn) else {
            return;
        };
        if link.send(frame).is_err() {
            tracing::warn!(%conn, "outbound queue full: dropping the connection");
            if let Some(link) = self.links.remove(&conn) {
                let token = self.conn_tasks.token();
                self.ws.close(conn, link, CLOSE_GOING_AWAY, "stuck", token);
            }
            let now = self.now();
            if let Some(tap) = &mut self.tap {
                tap.closed(now, conn, "outbound queue full");
            }
            self.session
                .handle_closed(now, conn, None, "outbound queue full");
        }
    }

    fn hand_over(&mut self, work: Work) {
        if !self.work.push(work) {
            tracing::error!("the handler dispatcher is gone; dropping its work");
        }
    }

    fn dispatch(&mut self, event: Event) {
        match event {
            Event::Envelope(envelope) => self.hand_over(Work::Envelope(envelope)),
            Event::Rtm(event) => self.hand_over(Work::Rtm(event)),
            Event::RtmReply(reply) => match self.rtm_replies.remove(&reply.id) {
                Some(waiter) => drop(waiter.send(reply.outcome)),
                None => tracing::debug!(id = reply.id, outcome = ?reply.outcome, "RTM reply"),
            },
            other => {
                log_event(&other);
                if let Some(observer) = &mut self.observer {
                    // Observation is best effort: a slow observer loses events, never stalls the loop.
                    if observer.try_send(other).is_err() && !observer.is_closed() {
                        tracing::debug!("event observer lagging; event dropped");
                    }
                }
            }
        }
    }
}

/// Runs `work` for at most `limit`; true if it finished.
async fn within<R: Runtime>(runtime: &R, limit: Duration, work: impl Future<Output = ()>) -> bool {
    let deadline = runtime.now() + limit;
    matches!(
        select(pin!(work), runtime.sleep_until(deadline)).await,
        futures_util::future::Either::Left(_)
    )
}

fn log_event(event: &Event) {
    match event {
        Event::Hello(hello) => tracing::info!(
            conn = %hello.conn,
            num_connections = ?hello.num_connections,
            host = ?hello.host,
            "hello"
        ),
        Event::Disconnect { conn, reason } => {
            tracing::info!(%conn, ?reason, "Slack asked to disconnect")
        }
        Event::ConnectionClosed { conn, cause } => {
            tracing::info!(%conn, %cause, "connection closed")
        }
        Event::Reconnecting {
            attempt,
            delay,
            cause,
        } => tracing::info!(attempt, ?delay, %cause, "reconnecting"),
        Event::ProtocolError(error) => tracing::warn!(%error, "protocol error"),
        Event::AckOverdue {
            envelope_id,
            auto_acked,
        } => tracing::warn!(%envelope_id, auto_acked, "ack deadline passed"),
        Event::RtmError {
            conn, code, msg, ..
        } => tracing::warn!(%conn, code, %msg, "RTM error"),
        Event::Stopped(reason) if reason.is_fatal() => tracing::error!(%reason, "session stopped"),
        Event::Stopped(reason) => tracing::info!(%reason, "session stopped"),
        other => tracing::debug!(event = ?other, "event"),
    }
}
