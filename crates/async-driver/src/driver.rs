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

use std::collections::BTreeMap;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_tungstenite::tungstenite::Message;
use futures_channel::mpsc;
use futures_util::future::select;
use futures_util::{SinkExt, StreamExt};
use slackline::{ConnId, HttpRequest, Input, StopReason};
use slackline_client::{
    http_input, Carrier, Clock, Command, Frame, HttpPost, SessionHost, Stuck, Work,
};
use tracing::Instrument;

use crate::http::HttpClient;
use crate::link::{Link, Read};
use crate::runtime::{BoxFuture, Runtime};
use crate::tasks::TaskTracker;
use crate::websocket::{Opening, Report, WsSetup};
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
/// App commands (acks) taken in one step.
const COMMANDS_PER_STEP: usize = 16;

pub(crate) struct Driver<R: Runtime> {
    clock: Clock,
    host: SessionHost,
    io: Io<R>,
    reports: mpsc::Receiver<Report>,
    commands: mpsc::Receiver<Command>,
    /// Which link is read first next time, so that none is favoured.
    next_link: usize,
    /// A link was skipped this wake because its writes were queued up to the high-water mark.
    held_back: bool,
    timer: Option<(slackline::Instant, BoxFuture<'static, ()>)>,
}

/// The loop's side of the network and the handlers: what carries out the session's actions.
struct Io<R: Runtime> {
    runtime: R,
    http: HttpClient<R>,
    ws: WsSetup<R>,
    reports_tx: mpsc::Sender<Report>,
    /// Sockets being opened by a task.
    opening: BTreeMap<ConnId, Opening>,
    /// Open sockets, read and written by the loop.
    links: BTreeMap<ConnId, Link>,
    conn_tasks: TaskTracker,
    /// Events for the handlers.
    work: WorkSender<Work>,
}

pub(crate) struct DriverParts<R: Runtime> {
    pub(crate) host: SessionHost,
    pub(crate) http: HttpClient<R>,
    pub(crate) ws: WsSetup<R>,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) work: WorkSender<Work>,
}

impl<R: Runtime> Driver<R> {
    /// Starts the clock: the session was created at `Instant::ZERO`, which is now.
    pub(crate) fn new(parts: DriverParts<R>) -> Self {
        let runtime = parts.http.runtime().clone();
        let (reports_tx, reports) = mpsc::channel(REPORT_CAPACITY);
        Driver {
            clock: Clock::starting_at(runtime.now()),
            host: parts.host,
            io: Io {
                runtime,
                http: parts.http,
                ws: parts.ws,
                reports_tx,
                opening: BTreeMap::new(),
                links: BTreeMap::new(),
                conn_tasks: TaskTracker::new(),
                work: parts.work,
            },
            reports,
            commands: parts.commands,
            next_link: 0,
            held_back: false,
            timer: None,
        }
    }

    /// Runs the session until it stops, then winds down: acked work still queued goes to the
    /// handlers, running handlers get until `drain_timeout` to finish, connections get their
    /// close handshake.
    pub(crate) async fn run(mut self, handlers: TaskTracker) -> StopReason {
        // Actions queued at construction (the first URL request) come before any input.
        let now = self.now();
        self.host.drain(now, &mut self.io);
        let reason = poll_fn(|cx| self.poll_drive(cx)).await;
        self.commands.close();
        self.reports.close();
        let drain_timeout = self.host.session().config().shutdown_timeout();
        let io = &mut self.io;
        // The dispatcher finishes what is queued, then ends.
        io.work.close();
        let runtime = io.runtime.clone();
        if !within(&runtime, drain_timeout, handlers.wait()).await {
            tracing::warn!("handlers still running after the shutdown timeout; not waiting");
        }
        io.opening.clear();
        for (conn, link) in std::mem::take(&mut io.links) {
            let token = io.conn_tasks.token();
            io.ws
                .close(conn, link, slackline::CLOSE_NORMAL, "bye", token);
        }
        let conn_tasks = std::mem::replace(&mut io.conn_tasks, TaskTracker::new());
        let close_timeout = io.ws.close_timeout + Duration::from_millis(100);
        within(&runtime, close_timeout, conn_tasks.wait()).await;
        reason
    }

    fn now(&self) -> slackline::Instant {
        self.clock.session_time(self.io.runtime.now())
    }

    fn poll_drive(&mut self, cx: &mut Context<'_>) -> Poll<StopReason> {
        let mut busy = true;
        self.held_back = false;
        for _ in 0..STEPS_PER_WAKE {
            if self.host.session().stop_reason().is_some() {
                break;
            }
            if !(self.step(cx) || self.poll_timer(cx)) {
                busy = false;
                break;
            }
        }
        // What this wake queued leaves in one write per socket.
        self.write_links(cx);
        if let Some(reason) = self.host.session().stop_reason() {
            return Poll::Ready(reason.clone());
        }
        // Bounded work per wake: let the executor run other tasks, then come back. A link held
        // back by its queued writes was not polled for reading: if the flush made room, nothing
        // else would wake the loop for it.
        if busy || (self.held_back && self.io.links.values().any(Link::wants_input)) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    /// Feeds one input if one is ready.
    fn step(&mut self, cx: &mut Context<'_>) -> bool {
        // The clock decides expiry, not the timer future: a sleep can stay Pending past its
        // deadline (tokio's cooperative budget), and a late tick must not delay pings or acks.
        let now = self.now();
        if self
            .host
            .session()
            .poll_timeout()
            .is_some_and(|at| at <= now)
        {
            self.feed(now, Input::Timeout);
            return true;
        }
        if let Poll::Ready(Some(command)) = self.commands.poll_next_unpin(cx) {
            self.host.command(now, command, &mut self.io);
            // Acks come in bursts (an app acking what it has just written out, a batch at a
            // time): the rest of a burst shares this step's clock reading and deadline check.
            for _ in 1..COMMANDS_PER_STEP {
                match self.commands.poll_next_unpin(cx) {
                    Poll::Ready(Some(command)) => self.host.command(now, command, &mut self.io),
                    _ => break,
                }
            }
            return true;
        }
        if let Poll::Ready(Some(report)) = self.reports.poll_next_unpin(cx) {
            self.report(now, report);
            return true;
        }
        // Frames only while the handlers keep up (back-pressure reaches TCP otherwise). The
        // session hears of each pause: an unread pong is not a dead connection.
        let paused = self.io.work.is_full(cx);
        if paused != self.host.session().is_input_paused() {
            self.feed(now, Input::InputPaused(paused));
        }
        !paused && self.read_links(cx, now)
    }

    fn feed(&mut self, now: slackline::Instant, input: Input) {
        // Network and driver inputs are never refused.
        let _ = self.host.feed(now, input, &mut self.io);
    }

    /// Reads up to `FRAMES_PER_STEP` frames from each link that has them (starting from a
    /// rotating link, so that a busy socket cannot starve the others); true if any did.
    /// `now` was read at the start of this step: the frames of one step arrived together, and
    /// the step's other work (the clock, the session's next deadline, polling the command and
    /// report channels) is paid once for all of them instead of once per frame.
    fn read_links(&mut self, cx: &mut Context<'_>, now: slackline::Instant) -> bool {
        // The ids first (the loop needs `self` for each frame), on the stack.
        let mut conns = [None; MAX_LINKS];
        for (slot, &conn) in conns.iter_mut().zip(self.io.links.keys()) {
            *slot = Some(conn);
        }
        let count = self.io.links.len().min(MAX_LINKS);
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
                if self.io.work.is_full(cx) {
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
        let link = self.io.links.get_mut(&conn)?;
        if !link.wants_input() {
            // Not polled, so no waker: the loop must come back once the writes are out.
            self.held_back = true;
            return None;
        }
        match link.poll_read(conn, cx) {
            Poll::Pending => return None,
            Poll::Ready(Read::Nothing) => {}
            Poll::Ready(Read::Input(input)) => self.feed(now, input),
            Poll::Ready(Read::Lost { code, reason }) => {
                tracing::info!(%conn, ?code, %reason, "connection closed");
                if let Some(link) = self.io.links.remove(&conn) {
                    // Completes the close handshake if the peer started one.
                    self.io.ws.finish(link, self.io.conn_tasks.token());
                }
                self.feed(now, Input::Closed { conn, code, reason });
            }
        }
        Some(())
    }

    /// Writes and flushes what the links have queued; a link that fails is reported closed.
    fn write_links(&mut self, cx: &mut Context<'_>) {
        let mut failed = Vec::new();
        for (&conn, link) in &mut self.io.links {
            if link.has_output() {
                if let Err(e) = link.poll_write(cx) {
                    failed.push((conn, e.to_string()));
                }
            }
        }
        if failed.is_empty() {
            return;
        }
        let now = self.now();
        for (conn, reason) in failed {
            tracing::info!(%conn, %reason, "connection closed");
            self.io.links.remove(&conn);
            let code = None;
            self.feed(now, Input::Closed { conn, code, reason });
        }
    }

    /// A background task's report.
    fn report(&mut self, now: slackline::Instant, report: Report) {
        match report {
            Report::Http(input) => self.feed(now, input),
            Report::ConnectFailed(conn, detail) => {
                self.io.opening.remove(&conn);
                self.feed(now, Input::ConnectFailed { conn, detail });
            }
            Report::Opened(conn, ws) => {
                let link = Link::new(ws);
                if self.io.opening.remove(&conn).is_some() {
                    self.io.links.insert(conn, link);
                    self.feed(now, Input::Connected(conn));
                } else {
                    // The session gave up on it while it opened.
                    let token = self.io.conn_tasks.token();
                    self.io
                        .ws
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
        let Some(deadline) = self.host.session().poll_timeout() else {
            self.timer = None;
            return false;
        };
        if !matches!(&self.timer, Some((at, _)) if *at <= deadline) {
            let sleep = self.io.runtime.sleep_until(self.clock.to_std(deadline));
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
}

impl<R: Runtime> Carrier for Io<R> {
    fn http(&mut self, request: HttpRequest) {
        let http = self.http.clone();
        let mut reports = self.reports_tx.clone();
        let span = tracing::debug_span!("slack_http", method = request.method());
        self.runtime.spawn(Box::pin(
            async move {
                let result = http.post(&HttpPost::from(&request)).await;
                if let Err(failure) = &result {
                    tracing::warn!(%failure, "request failed");
                }
                let input = http_input(request.id(), result);
                let _ = reports.send(Report::Http(input)).await;
            }
            .instrument(span),
        ));
    }

    fn connect(&mut self, conn: ConnId, url: String) {
        let token = self.conn_tasks.token();
        let opening = self.ws.open(conn, url, self.reports_tx.clone(), token);
        self.opening.insert(conn, opening);
    }

    fn send(&mut self, conn: ConnId, frame: Frame) -> Result<(), Stuck> {
        // No link: it has just closed, and the session hears of it with this wake's inputs.
        let Some(link) = self.links.get_mut(&conn) else {
            return Ok(());
        };
        let message = match frame {
            Frame::Text(text) => Message::Text(text.into()),
            Frame::Ping(payload) => Message::Ping(bytes::Bytes::copy_from_slice(&payload)),
            other => {
                tracing::debug!(frame = ?other, "frame not supported by this driver");
                return Ok(());
            }
        };
        link.send(message)
    }

    fn close(&mut self, conn: ConnId, code: u16, reason: &'static str) {
        // Dropping an opening cancels it.
        self.opening.remove(&conn);
        if let Some(link) = self.links.remove(&conn) {
            let token = self.conn_tasks.token();
            self.ws.close(conn, link, code, reason, token);
        }
    }

    fn hand_over(&mut self, work: Work) {
        if !self.work.push(work) {
            tracing::error!("the handler dispatcher is gone; dropping its work");
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
