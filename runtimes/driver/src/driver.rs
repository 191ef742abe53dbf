//! The drive loop: one [`Session`], fed one input at a time, its actions carried out at once.
//!
//! It is a hand-written poll function (after quinn's `ConnectionDriver`) rather than a
//! `select!`: each wake it takes, in order, an expired deadline (read from the clock, not the
//! timer future), one app command, and one network input, drains the session's actions after
//! each, and does a bounded amount of work before yielding. It never awaits: sends to
//! connections are `try_send`, handlers get their work through a bounded queue, and while that
//! queue is full the loop stops taking network input (but keeps serving timers and acks).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_channel::{mpsc, oneshot};
use futures_util::future::select;
use futures_util::{SinkExt, StreamExt};
use slackline::{Action, ConnId, Event, RtmOutcome, Session, StopReason, CLOSE_GOING_AWAY};
use tracing::Instrument;

use crate::clock::Clock;
use crate::command::{Command, RtmMessage};
use crate::http::HttpClient;
use crate::router::Work;
use crate::runtime::{BoxFuture, Runtime};
use crate::tap::Tap;
use crate::tasks::TaskTracker;
use crate::websocket::{ConnLink, Inbound, Outbound, WsSetup};

/// Inputs the IO tasks may have queued for the loop.
const INBOUND_CAPACITY: usize = 64;
/// Inputs handled per wake before yielding to other tasks on the executor.
const STEPS_PER_WAKE: usize = 64;

pub(crate) struct Driver<R: Runtime> {
    runtime: R,
    clock: Clock,
    session: Session,
    http: HttpClient<R>,
    ws: WsSetup<R>,
    inbound_tx: mpsc::Sender<Inbound>,
    inbound: mpsc::Receiver<Inbound>,
    commands: mpsc::Receiver<Command>,
    conns: BTreeMap<ConnId, ConnLink>,
    conn_tasks: TaskTracker,
    timer: Option<(slackline::Instant, BoxFuture<'static, ()>)>,
    /// Events for handlers that did not fit in the work queue yet.
    backlog: VecDeque<Work>,
    work: mpsc::Sender<Work>,
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
    pub(crate) work: mpsc::Sender<Work>,
    pub(crate) observer: Option<mpsc::Sender<Event>>,
    pub(crate) tap: Option<Tap>,
}

impl<R: Runtime> Driver<R> {
    /// Starts the clock: the session was created at `Instant::ZERO`, which is now.
    pub(crate) fn new(parts: DriverParts<R>) -> Self {
        let runtime = parts.http.runtime().clone();
        let (inbound_tx, inbound) = mpsc::channel(INBOUND_CAPACITY);
        Driver {
            clock: Clock::start(&runtime),
            runtime,
            session: parts.session,
            http: parts.http,
            ws: parts.ws,
            inbound_tx,
            inbound,
            commands: parts.commands,
            conns: BTreeMap::new(),
            conn_tasks: TaskTracker::new(),
            timer: None,
            backlog: VecDeque::new(),
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
        self.inbound.close();
        let drain_timeout = self.session.config().shutdown_timeout();
        let backlog = std::mem::take(&mut self.backlog);
        let work = &mut self.work;
        let handlers_done = async move {
            for item in backlog {
                if work.send(item).await.is_err() {
                    break;
                }
            }
            // The dispatcher finishes what is queued, then ends.
            work.close_channel();
            handlers.wait().await;
        };
        let runtime = self.runtime.clone();
        if !within(&runtime, drain_timeout, handlers_done).await {
            tracing::warn!("handlers still running after the shutdown timeout; not waiting");
        }
        for (_, link) in std::mem::take(&mut self.conns) {
            link.close(slackline::CLOSE_NORMAL, "bye");
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
        for _ in 0..STEPS_PER_WAKE {
            if let Some(reason) = self.session.stop_reason() {
                return Poll::Ready(reason.clone());
            }
            self.flush_backlog(cx);
            if self.step(cx) || self.poll_timer(cx) {
                continue;
            }
            return Poll::Pending;
        }
        // Bounded work per wake: let the executor run other tasks, then come back.
        cx.waker().wake_by_ref();
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
        if self.backlog.is_empty() {
            if let Poll::Ready(Some(input)) = self.inbound.poll_next_unpin(cx) {
                self.input(input);
                return true;
            }
        }
        false
    }

    /// Re-arms the timer only when the session's deadline moved; true if it has fired.
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(deadline) = self.session.poll_timeout() else {
            self.timer = None;
            return false;
        };
        if !matches!(&self.timer, Some((at, _)) if *at == deadline) {
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

    fn flush_backlog(&mut self, cx: &mut Context<'_>) {
        while !self.backlog.is_empty() {
            match self.work.poll_ready(cx) {
                Poll::Ready(Ok(())) => {
                    if let Some(item) = self.backlog.pop_front() {
                        let _ = self.work.start_send(item);
                    }
                }
                Poll::Ready(Err(_)) => {
                    tracing::error!("the handler dispatcher is gone; dropping its work");
                    self.backlog.clear();
                }
                Poll::Pending => return,
            }
        }
    }

    fn input(&mut self, input: Inbound) {
        let now = self.now();
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
        if let Some(tap) = &mut self.tap {
            tap.command(now, &command);
        }
        match command {
            Command::Ack {
                envelope_id,
                payload,
                reply,
            } => {
                let result = match &payload {
                    Some(payload) => self.session.ack_with(now, &envelope_id, payload.as_ref()),
                    None => self.session.ack(now, &envelope_id),
                };
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
                let (result, silent) = match message {
                    RtmMessage::Message { channel, text } => {
                        (self.session.send_message(now, &channel, &text), false)
                    }
                    RtmMessage::Typing { channel } => {
                        (self.session.send_typing(now, &channel), true)
                    }
                    RtmMessage::Ping => {
                        (self.session.send_ping(now, &serde_json::Value::Null), false)
                    }
                    RtmMessage::Raw(value) => (self.session.send_rtm(now, &value), false),
                };
                let queued = result.map(|id| {
                    if silent {
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
                let mut inbound = self.inbound_tx.clone();
                let span = tracing::debug_span!("slack_http", method = request.method());
                self.runtime.spawn(Box::pin(
                    async move {
                        let result = http.post(&request).await;
                        if let Err(failure) = &result {
                            tracing::warn!(%failure, "request failed");
                        }
                        let id = request.id();
                        let _ = inbound.send(Inbound::Http { id, result }).await;
                    }
                    .instrument(span),
                ));
            }
            Action::Connect { conn, url } => {
                let token = self.conn_tasks.token();
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
        // No link: the task has ended and its `Closed` report is on the way.
        let Some(link) = self.conns.get_mut(&conn) else {
            return;
        };
        match link.out.try_send(frame) {
            Ok(()) => {}
            Err(e) if e.is_full() => {
                tracing::warn!(%conn, "outbound queue full: dropping the connection");
                if let Some(link) = self.conns.remove(&conn) {
                    link.close(CLOSE_GOING_AWAY, "stuck");
                }
                let now = self.now();
                if let Some(tap) = &mut self.tap {
                    tap.closed(now, conn, "outbound queue full");
                }
                self.session
                    .handle_closed(now, conn, None, "outbound queue full");
            }
            Err(_) => {}
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
