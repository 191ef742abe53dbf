//! The [`Session`]: one app (Socket Mode) or one bot (RTM), its connections, their timers and
//! the reconnect policy, as a pure state machine.

mod acks;
mod conn;
mod rtm;
mod socket_mode;

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;

use crate::action::{Action, CLOSE_GOING_AWAY, CLOSE_NORMAL};
use crate::backoff::{Backoff, Rng};
use crate::config::{Config, ConfigError, LateAckPolicy, Mode, RtmConnect};
use crate::dedupe::{id_key, Dedupe, IdKind};
use crate::event::{
    CloseCause, Event, ProtocolError, ProtocolErrorKind, ReconnectCause, StopReason,
};
use crate::ids::{ConnId, RequestId};
use crate::input::{Handled, Input, Refused};
use crate::json::unescape;
use crate::time::Instant;
use crate::timer::{Timer, TimerTable};
use crate::webapi::{classify, ApiError, ConnectionUrl, HttpResponse, WebApi};

pub use acks::AckError;
use acks::{AckTracker, Due, PendingAck};
use conn::{slot, Conn};
pub use conn::{ConnectionInfo, Phase};
use rtm::RtmState;

/// Slots of the session-wide timer table.
mod session_slot {
    pub(super) const HTTP: usize = 0;
    pub(super) const RETRY: usize = 1;
    pub(super) const SHUTDOWN: usize = 2;
    pub(super) const COUNT: usize = 3;
}

/// Counters, for observability and for tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Text frames received (all connections).
    pub frames_received: u64,
    /// Envelopes received (duplicates included).
    pub envelopes: u64,
    /// Ack frames queued for sending.
    pub acks_sent: u64,
    /// Bare acks sent by the session at a deferred ack's deadline.
    pub auto_acks: u64,
    /// Deferred acks the app gave after their deadline.
    pub late_acks: u64,
    /// Redeliveries acked but not dispatched.
    pub duplicates: u64,
    /// Protocol errors reported.
    pub protocol_errors: u64,
    /// Empty or whitespace-only text frames received (all counted; only the 1st, 2nd, 4th,
    /// 8th... are reported, as [`ProtocolErrorKind::Empty`]).
    pub empty_frames: u64,
    /// Connections that said `hello`.
    pub hellos: u64,
    /// Reconnections scheduled.
    pub reconnects: u64,
    /// Envelopes left unacked because the session was shutting down (Slack redelivers them).
    pub refused_while_draining: u64,
    /// RTM events dispatched.
    pub rtm_events: u64,
    /// RTM messages sent (pings and typing included).
    pub rtm_sent: u64,
    /// RTM events skipped by the self-event filter.
    pub rtm_self_skipped: u64,
    /// RTM events seen twice while two connections overlapped during a replacement.
    pub rtm_overlap_duplicates: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    Running,
    Draining,
    Stopped(StopReason),
}

/// The sans-IO Slack real-time client. See the crate documentation for the drive loop.
pub struct Session {
    config: Config,
    api: WebApi,
    rng: Rng,
    backoff: Backoff,
    conns: Vec<Conn>,
    next_conn: u32,
    /// The URL request in flight (at most one, so reconnect storms cannot stack up requests).
    fetch: Option<RequestId>,
    timers: TimerTable<{ session_slot::COUNT }>,
    acks: AckTracker,
    dedupe: Option<Dedupe>,
    rtm: Option<RtmState>,
    actions: VecDeque<Action>,
    state: State,
    stats: Stats,
    /// The driver is not reading from the network (its handlers are behind): deadlines that
    /// wait on Slack's input are suspended, see [`Session::handle_input_paused`].
    input_paused: bool,
    now: Instant,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("mode", &self.config.mode)
            .field("state", &self.state)
            .field("connections", &self.conns)
            .field("fetch", &self.fetch)
            .field("pending_acks", &self.acks.len())
            .field("queued_actions", &self.actions.len())
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session starting at `now`. Its first action (the URL request) is ready to poll.
    pub fn new(config: Config, now: Instant) -> Result<Self, ConfigError> {
        config.validate()?;
        let api = WebApi::new(config.api_url.clone(), config.token.clone());
        let rtm = config.is_rtm().then(|| RtmState::new(&config));
        let mut session = Session {
            rng: Rng::new(config.seed),
            backoff: Backoff::new(config.backoff_initial, config.backoff_max),
            dedupe: config
                .dedupe
                .map(|(window, capacity)| Dedupe::new(window, capacity)),
            api,
            rtm,
            config,
            conns: Vec::new(),
            next_conn: 1,
            fetch: None,
            timers: TimerTable::default(),
            acks: AckTracker::default(),
            actions: VecDeque::with_capacity(64),
            state: State::Running,
            stats: Stats::default(),
            input_paused: false,
            now,
        };
        session.settle(now);
        Ok(session)
    }

    // ----- outputs -----

    /// The next thing to do, or `None` when drained. Drain fully after every input.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next (`None`: only inputs can wake
    /// the session). Never in the past once the actions are drained.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next_timer().map(|(_, at)| at)
    }

    /// Which deadline [`poll_timeout`](Self::poll_timeout) reports (for logs and debugging).
    pub fn timeout_reason(&self) -> Option<Timer> {
        self.next_timer().map(|(timer, _)| timer)
    }

    // ----- inputs -----

    /// Feeds one input at `now`: the single entry point (the `handle_*` methods and the app
    /// commands below are the same inputs, one at a time). Only the application's inputs can
    /// be refused; the network's never are.
    pub fn handle(&mut self, now: Instant, input: Input) -> Result<Handled, Refused> {
        match input {
            Input::HttpResponse { request, response } => {
                self.handle_http_response(now, request, response)
            }
            Input::HttpFailed { request, detail } => self.handle_http_failed(now, request, &detail),
            Input::Connected(conn) => self.handle_connected(now, conn),
            Input::ConnectFailed { conn, detail } => self.handle_connect_failed(now, conn, &detail),
            Input::Text { conn, frame } => self.handle_text(now, conn, frame),
            Input::Binary { conn, frame } => self.handle_binary(now, conn, frame),
            Input::Ping(conn) => self.handle_ping(now, conn),
            Input::Pong { conn, payload } => self.handle_pong(now, conn, &payload),
            Input::Closed { conn, code, reason } => self.handle_closed(now, conn, code, &reason),
            Input::Timeout => self.handle_timeout(now),
            Input::InputPaused(paused) => self.handle_input_paused(now, paused),
            Input::Ack {
                envelope_id,
                payload,
            } => {
                if let Some(Err(error)) = payload.as_deref().map(is_json) {
                    return Err(Refused::Ack(AckError::Payload(error.to_string())));
                }
                return self
                    .ack_json(now, &envelope_id, payload.as_deref())
                    .map(|()| Handled::Done)
                    .map_err(Refused::Ack);
            }
            Input::Rtm(message) => {
                return self
                    .send_rtm_message(now, &message)
                    .map(Handled::RtmQueued)
                    .map_err(Refused::Rtm)
            }
            Input::Shutdown => self.shutdown(now),
        }
        Ok(Handled::Done)
    }

    /// The driver's answer to [`Action::Http`]. Responses to requests the session no longer
    /// waits for (timed out, shut down) are ignored.
    pub fn handle_http_response(
        &mut self,
        now: Instant,
        request: RequestId,
        response: HttpResponse,
    ) {
        let now = self.advance(now);
        if self.fetch != Some(request) {
            return;
        }
        self.fetch = None;
        self.timers.clear(session_slot::HTTP);
        match classify(&response) {
            Ok(ok) => match ok.json::<ConnectionUrl>() {
                Ok(granted) if is_websocket_url(&granted.url) => {
                    self.open_connection(now, granted.url, ok.body_bytes())
                }
                _ => self.schedule_retry(now, ReconnectCause::BadUrl, None),
            },
            Err(error) => self.url_request_failed(now, error),
        }
        self.settle(now);
    }

    /// The request behind [`Action::Http`] failed before any response (DNS, TLS, refused...).
    pub fn handle_http_failed(&mut self, now: Instant, request: RequestId, detail: &str) {
        let now = self.advance(now);
        if self.fetch != Some(request) {
            return;
        }
        self.fetch = None;
        self.timers.clear(session_slot::HTTP);
        let detail = crate::secret::redact_tokens(detail).into_owned();
        self.url_request_failed(now, ApiError::Transport { detail });
        self.settle(now);
    }

    /// The WebSocket of [`Action::Connect`] is open.
    pub fn handle_connected(&mut self, now: Instant, conn: ConnId) {
        let now = self.advance(now);
        if let Some(i) = self.index(conn) {
            let c = &mut self.conns[i];
            if c.phase == Phase::Connecting {
                c.phase = Phase::AwaitingHello;
            }
            if self.input_paused {
                // Its hello cannot be read until input resumes, which re-arms the deadline.
                c.timers.clear(slot::HELLO);
            } else {
                c.timers.set(slot::IDLE, now + self.config.idle_timeout);
            }
        }
    }

    /// The driver stopped (`true`) or went back to (`false`) reading from the network, because
    /// its handlers fell behind and it lets back-pressure reach TCP. While it is not reading,
    /// silence proves nothing: the hello, pong and idle deadlines of open connections are
    /// suspended (pings still go out), and they start again from `now` when reading resumes.
    /// A dead connection is therefore found at most that long after the pause ends, instead of
    /// a healthy one being dropped because its pong sat unread in the socket.
    pub fn handle_input_paused(&mut self, now: Instant, paused: bool) {
        let now = self.advance(now);
        if self.input_paused == paused {
            return;
        }
        self.input_paused = paused;
        let config = &self.config;
        for c in self
            .conns
            .iter_mut()
            .filter(|c| c.phase != Phase::Connecting)
        {
            if paused {
                for deadline in [slot::HELLO, slot::PONG, slot::IDLE] {
                    c.timers.clear(deadline);
                }
                continue;
            }
            if c.phase == Phase::AwaitingHello {
                c.timers.set(slot::HELLO, now + config.hello_timeout);
            }
            if c.outstanding_ping.is_some() {
                c.timers.set(slot::PONG, now + config.pong_timeout);
            }
            c.timers.set(slot::IDLE, now + config.idle_timeout);
        }
    }

    /// The WebSocket of [`Action::Connect`] could not be opened.
    pub fn handle_connect_failed(&mut self, now: Instant, conn: ConnId, detail: &str) {
        let now = self.advance(now);
        if let Some(i) = self.index(conn) {
            let cause =
                CloseCause::ConnectFailed(crate::secret::redact_tokens(detail).into_owned());
            let gone = self.remove_connection(i, None, &cause);
            self.recover(now, &gone, cause);
            self.settle(now);
        }
    }

    /// A text message arrived on `conn`.
    pub fn handle_text(&mut self, now: Instant, conn: ConnId, frame: impl Into<Bytes>) {
        let now = self.advance(now);
        let Some(i) = self.index(conn) else { return };
        self.note_received(i, now);
        self.stats.frames_received += 1;
        let frame = frame.into();
        if frame.len() > self.config.max_inbound_frame {
            let kind = ProtocolErrorKind::Oversized {
                len: frame.len(),
                limit: self.config.max_inbound_frame,
            };
            self.reject_frame(conn, kind, frame);
        } else if frame.iter().all(u8::is_ascii_whitespace) {
            // Slack sends empty text frames now and then: liveness noise. Every one is counted;
            // reports thin out as they double, so a flood of them cannot flood the app.
            self.stats.empty_frames += 1;
            let total = self.stats.empty_frames;
            if total.is_power_of_two() {
                self.protocol_error(conn, ProtocolErrorKind::Empty { total }, None, frame);
            }
        } else if self.rtm.is_some() {
            self.on_rtm_frame(now, i, frame);
        } else {
            self.on_socket_mode_frame(now, i, frame);
        }
        self.settle(now);
    }

    /// A binary message arrived on `conn` (Slack never sends one): reported, and an envelope id
    /// inside is still acked.
    pub fn handle_binary(&mut self, now: Instant, conn: ConnId, frame: impl Into<Bytes>) {
        let now = self.advance(now);
        let Some(i) = self.index(conn) else { return };
        self.note_received(i, now);
        self.reject_frame(conn, ProtocolErrorKind::Binary, frame.into());
        self.settle(now);
    }

    /// The server pinged `conn` (the WebSocket library has already answered).
    pub fn handle_ping(&mut self, now: Instant, conn: ConnId) {
        let now = self.advance(now);
        if let Some(i) = self.index(conn) {
            self.note_received(i, now);
        }
    }

    /// A pong arrived on `conn`.
    pub fn handle_pong(&mut self, now: Instant, conn: ConnId, payload: &[u8]) {
        let now = self.advance(now);
        let Some(i) = self.index(conn) else { return };
        self.note_received(i, now);
        let c = &mut self.conns[i];
        if self.rtm.is_none()
            && c.outstanding_ping
                .is_some_and(|p| p.to_be_bytes() == payload)
        {
            c.outstanding_ping = None;
            c.timers.clear(slot::PONG);
        }
    }

    /// `conn` closed (close frame, reset, EOF or read error).
    pub fn handle_closed(&mut self, now: Instant, conn: ConnId, code: Option<u16>, reason: &str) {
        let now = self.advance(now);
        let Some(i) = self.index(conn) else { return };
        let cause = CloseCause::ClosedByPeer {
            code,
            reason: crate::secret::redact_tokens(reason).into_owned(),
        };
        let gone = self.remove_connection(i, None, &cause);
        self.recover(now, &gone, cause);
        self.settle(now);
    }

    /// Time passed. Calls before the deadline are harmless no-ops.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.advance(now);
        if self.is_stopped() {
            return;
        }
        if self.timers.take_expired(session_slot::HTTP, now) {
            self.fetch = None;
            self.url_request_failed(now, ApiError::Timeout);
        }
        self.timers.take_expired(session_slot::RETRY, now);
        if self.timers.take_expired(session_slot::SHUTDOWN, now) {
            self.finish(now, StopReason::Shutdown);
            return;
        }
        self.expire_acks(now);
        let ids: Vec<ConnId> = self.conns.iter().map(|c| c.id).collect();
        for id in ids {
            self.connection_timers(now, id);
        }
        self.rtm_timeouts(now);
        self.settle(now);
    }

    /// Acks a deferred envelope (one dispatched with [`AckState::AwaitingApp`](crate::AckState)).
    pub fn ack(&mut self, now: Instant, envelope_id: &str) -> Result<(), AckError> {
        self.ack_json(now, envelope_id, None)
    }

    /// Acks a deferred envelope with a response payload (a message for a slash command,
    /// `response_action` for a view submission, `options` for a suggestion). Refused, and still
    /// pending, if the frame would exceed Slack's 20,480-byte limit.
    pub fn ack_with<T: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        envelope_id: &str,
        payload: &T,
    ) -> Result<(), AckError> {
        let json = serde_json::to_string(payload).map_err(|e| AckError::Payload(e.to_string()))?;
        self.ack_json(now, envelope_id, Some(&json))
    }

    /// Starts a graceful shutdown: no new connections or envelopes; once every deferred ack is
    /// given (or the shutdown timeout passes) every connection is closed with 1000 and the
    /// session stops with [`StopReason::Shutdown`].
    pub fn shutdown(&mut self, now: Instant) {
        let now = self.advance(now);
        if self.state != State::Running {
            return;
        }
        self.state = State::Draining;
        self.fetch = None;
        self.timers.clear(session_slot::HTTP);
        self.timers.clear(session_slot::RETRY);
        self.timers
            .set(session_slot::SHUTDOWN, now + self.config.shutdown_timeout);
        while let Some(i) = self.conns.iter().position(|c| !c.is_live()) {
            self.remove_connection(i, Some((CLOSE_NORMAL, "shutdown")), &CloseCause::Shutdown);
        }
        self.rtm_drop_queue();
        self.settle(now);
    }

    // ----- queries -----

    /// Whether the session has stopped for good.
    pub fn is_stopped(&self) -> bool {
        matches!(self.state, State::Stopped(_))
    }

    /// Whether the driver has said it is not reading ([`handle_input_paused`](Self::handle_input_paused)).
    pub fn is_input_paused(&self) -> bool {
        self.input_paused
    }

    /// Why it stopped, once it has.
    pub fn stop_reason(&self) -> Option<&StopReason> {
        match &self.state {
            State::Stopped(reason) => Some(reason),
            _ => None,
        }
    }

    /// Whether a graceful shutdown is under way.
    pub fn is_draining(&self) -> bool {
        self.state == State::Draining
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The connections, oldest first.
    pub fn connections(&self) -> impl Iterator<Item = ConnectionInfo> + '_ {
        self.conns.iter().map(Conn::info)
    }

    /// Deferred acks still waiting for the app.
    pub fn pending_acks(&self) -> usize {
        self.acks.len()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    // ----- connection management -----

    /// Time never goes backwards inside the session, whatever the caller passes.
    fn advance(&mut self, now: Instant) -> Instant {
        self.now = self.now.max(now);
        self.now
    }

    fn index(&self, conn: ConnId) -> Option<usize> {
        self.conns.iter().position(|c| c.id == conn)
    }

    fn push(&mut self, action: Action) {
        self.actions.push_back(action);
    }

    fn dispatch(&mut self, event: Event) {
        self.actions.push_back(Action::Dispatch(event));
    }

    /// Runs after every input: keeps the pool full, paces RTM, completes a drain.
    fn settle(&mut self, now: Instant) {
        match self.state {
            State::Running => {
                self.maintain(now);
                self.rtm_pump(now);
            }
            State::Draining if self.acks.is_empty() => self.finish(now, StopReason::Shutdown),
            State::Draining | State::Stopped(_) => {}
        }
    }

    fn target_connections(&self) -> usize {
        usize::from(self.config.connections)
    }

    /// Opens a connection when fewer than the target are active (not retiring), one URL
    /// request at a time, never during a backoff, and never beyond target + 1 sockets (the +1
    /// is the replacement of a retiring connection) or Slack's 10.
    fn maintain(&mut self, now: Instant) {
        if self.fetch.is_some()
            || self
                .timers
                .get(session_slot::RETRY)
                .is_some_and(|at| at > now)
        {
            return;
        }
        let target = self.target_connections();
        let active = self.conns.iter().filter(|c| !c.retiring).count();
        let cap = (target + 1).min(usize::from(Config::MAX_SOCKET_MODE_CONNECTIONS));
        if active >= target || self.conns.len() >= cap {
            return;
        }
        let request = match &self.config.mode {
            Mode::SocketMode => self.api.apps_connections_open(),
            Mode::Rtm(RtmConnect::Connect(options)) => self.api.rtm_connect(options),
            Mode::Rtm(RtmConnect::Start(options)) => self.api.rtm_start(options),
        };
        self.fetch = Some(request.id());
        self.timers
            .set(session_slot::HTTP, now + self.config.http_timeout);
        self.push(Action::Http(request));
    }

    fn open_connection(&mut self, now: Instant, url: String, grant: Bytes) {
        let id = ConnId(self.next_conn);
        self.next_conn += 1;
        let mut conn = Conn::new(id, now, now + self.config.hello_timeout);
        if self.rtm.is_some() {
            conn.rtm_grant = Some(crate::rtm::RtmConnected::parse(id, grant));
        }
        self.conns.push(conn);
        let url = if self.config.debug_reconnects && self.rtm.is_none() {
            let separator = if url.contains('?') { '&' } else { '?' };
            format!("{url}{separator}debug_reconnects=true")
        } else {
            url
        };
        self.push(Action::Connect { conn: id, url });
    }

    fn url_request_failed(&mut self, now: Instant, error: ApiError) {
        if error.is_fatal() {
            self.finish(now, StopReason::Fatal(error));
            return;
        }
        let at_least = match &error {
            // Honoured up to the cap; the event keeps what Slack asked for in its cause.
            ApiError::RateLimited { retry_after } => {
                Some(retry_after.map_or(self.config.rate_limit_wait, |asked| {
                    asked.min(self.config.max_retry_after)
                }))
            }
            _ => None,
        };
        self.schedule_retry(now, ReconnectCause::Api(error), at_least);
    }

    /// Records a failure and holds the next connection attempt back by the backoff delay
    /// (at least `at_least`, e.g. `Retry-After`).
    fn schedule_retry(&mut self, now: Instant, cause: ReconnectCause, at_least: Option<Duration>) {
        if self.state != State::Running {
            return;
        }
        let mut delay = self.backoff.fail(&mut self.rng);
        if let Some(minimum) = at_least {
            delay = delay.max(minimum);
        }
        let at = self
            .timers
            .get(session_slot::RETRY)
            .map_or(now + delay, |existing| existing.max(now + delay));
        self.timers.set(session_slot::RETRY, at);
        self.stats.reconnects += 1;
        let attempt = self.backoff.failures();
        self.dispatch(Event::Reconnecting {
            attempt,
            delay: at - now,
            cause,
        });
    }

    /// Decides what losing `gone` means: nothing if it was being replaced anyway; an immediate
    /// replacement if it had been live and nothing has failed since the last good period;
    /// otherwise a failure with backoff. A connection that stayed up `stable_after` clears the
    /// failure count, so only a run of short-lived connections (a flapping server) backs off.
    fn recover(&mut self, now: Instant, gone: &Conn, cause: CloseCause) {
        if self.state != State::Running || gone.retiring {
            return;
        }
        let Some(live_since) = gone.live_since else {
            return self.schedule_retry(now, ReconnectCause::Connection(cause), None);
        };
        if now.saturating_duration_since(live_since) >= self.config.stable_after {
            self.backoff.reset();
        }
        if self.backoff.failures() > 0 {
            return self.schedule_retry(now, ReconnectCause::Connection(cause), None);
        }
        self.backoff.note();
        self.stats.reconnects += 1;
        self.dispatch(Event::Reconnecting {
            attempt: 1,
            delay: Duration::ZERO,
            cause: ReconnectCause::Connection(cause),
        });
    }

    /// Forgets connection `i`, optionally telling the driver to close it, and reports it.
    fn remove_connection(
        &mut self,
        i: usize,
        close: Option<(u16, &'static str)>,
        cause: &CloseCause,
    ) -> Conn {
        let conn = self.conns.remove(i);
        if let Some((code, reason)) = close {
            self.push(Action::Close {
                conn: conn.id,
                code,
                reason,
            });
        }
        self.dispatch(Event::ConnectionClosed {
            conn: conn.id,
            cause: cause.clone(),
        });
        self.rtm_connection_gone(conn.id);
        conn
    }

    /// Closes a connection the session has given up on, then recovers.
    fn abandon(&mut self, now: Instant, i: usize, reason: &'static str, cause: CloseCause) {
        let gone = self.remove_connection(i, Some((CLOSE_GOING_AWAY, reason)), &cause);
        self.recover(now, &gone, cause);
    }

    /// Asks for a replacement of connection `i` (Slack's `disconnect` or `goodbye`, or its
    /// `approximate_connection_time` running out); it is closed once the replacement says
    /// `hello`. Replacements count like losses in [`recover`](Self::recover): one asked for
    /// a connection that was live for `stable_after` (Slack's refresh after hours, or its
    /// `warning` ten seconds before one), or the first since such a good period, goes out at
    /// once, make before break; a connection replaced sooner than that after another, or
    /// before its `hello`, is a failure and its replacement waits for the backoff (it stays
    /// open meanwhile). A server asking for a refresh after every `hello` therefore gets
    /// capped, jittered retries instead of a request storm.
    fn retire(&mut self, i: usize, now: Instant) {
        let c = &mut self.conns[i];
        if c.retiring {
            return;
        }
        c.retiring = true;
        c.timers.clear(slot::REFRESH);
        let lived = c
            .live_since
            .map(|since| now.saturating_duration_since(since));
        self.rtm_begin_overlap(now);
        if lived.is_some_and(|lived| lived >= self.config.stable_after) {
            self.backoff.reset();
        }
        match lived {
            // The first since a good period: at once, and counted, as a loss would be.
            Some(_) if self.backoff.failures() == 0 => self.backoff.note(),
            _ => {
                let lived = lived.unwrap_or_default();
                self.schedule_retry(now, ReconnectCause::ShortLived { lived }, None);
            }
        }
    }

    fn note_received(&mut self, i: usize, now: Instant) {
        let c = &mut self.conns[i];
        if c.phase == Phase::Connecting {
            c.phase = Phase::AwaitingHello;
        }
        if !self.input_paused {
            c.timers.set(slot::IDLE, now + self.config.idle_timeout);
        }
    }

    fn connection_timers(&mut self, now: Instant, id: ConnId) {
        let Some(i) = self.index(id) else { return };
        let timers = &mut self.conns[i].timers;
        if timers.take_expired(slot::HELLO, now) {
            return self.abandon(now, i, "no hello", CloseCause::HelloTimeout);
        }
        if timers.take_expired(slot::PONG, now) {
            return self.abandon(now, i, "ping unanswered", CloseCause::PongTimeout);
        }
        if timers.take_expired(slot::IDLE, now) {
            return self.abandon(now, i, "idle", CloseCause::IdleTimeout);
        }
        if timers.take_expired(slot::PING, now) {
            self.send_liveness_ping(i, now);
        }
        if self.conns[i].timers.take_expired(slot::REFRESH, now) {
            self.retire(i, now);
        }
    }

    /// Pings on every interval; while a ping is unanswered no other goes out and the pong
    /// deadline decides. A silent connection is therefore abandoned within ping interval + pong
    /// timeout of its last sign of life.
    fn send_liveness_ping(&mut self, i: usize, now: Instant) {
        let ping_interval = self.config.ping_interval;
        let pong_timeout = self.config.pong_timeout;
        let rtm_id = match &mut self.rtm {
            Some(rtm) if self.conns[i].outstanding_ping.is_none() => Some(rtm.next_id()),
            _ => None,
        };
        let c = &mut self.conns[i];
        c.timers.set(slot::PING, now + ping_interval);
        if c.outstanding_ping.is_some() {
            return;
        }
        if !self.input_paused {
            c.timers.set(slot::PONG, now + pong_timeout);
        }
        let conn = c.id;
        match rtm_id {
            Some(id) => {
                c.outstanding_ping = Some(id);
                self.stats.rtm_sent += 1;
                self.push(Action::SendText {
                    conn,
                    text: format!(r#"{{"id":{id},"type":"ping"}}"#),
                });
            }
            None => {
                let seq = c.next_ping;
                c.next_ping += 1;
                c.outstanding_ping = Some(seq);
                self.push(Action::SendPing {
                    conn,
                    payload: seq.to_be_bytes(),
                });
            }
        }
    }

    /// A connection said `hello` (both protocols).
    fn on_hello(&mut self, now: Instant, i: usize, hello: crate::envelope::Hello) {
        let ping_interval = self.config.ping_interval;
        let refresh_ahead = self.config.refresh_ahead;
        let c = &mut self.conns[i];
        let first = c.phase != Phase::Live;
        c.phase = Phase::Live;
        c.timers.clear(slot::HELLO);
        if first {
            c.live_since = Some(now);
            c.timers.set(slot::PING, now + ping_interval);
        }
        if let Some(lifetime) = hello.approximate_connection_time.filter(|d| !d.is_zero()) {
            if !c.retiring {
                // A second-long lifetime would mean a refresh every 0.75 s.
                let lifetime = lifetime.max(Config::MIN_APPROXIMATE_CONNECTION_TIME);
                let ahead = refresh_ahead.min(lifetime / 4);
                c.timers.set(slot::REFRESH, now + (lifetime - ahead));
            }
        }
        c.hello = Some(hello.clone());
        let grant = c.rtm_grant.take();
        let id = c.id;
        if first {
            self.stats.hellos += 1;
            // The replacement is up: the oldest connection waiting for one can go.
            if let Some(old) = self.conns.iter().position(|c| c.retiring && c.id != id) {
                self.remove_connection(
                    old,
                    Some((CLOSE_NORMAL, "replaced")),
                    &CloseCause::Replaced,
                );
            }
        }
        if let Some(grant) = grant {
            self.rtm_granted(&grant);
            self.dispatch(Event::RtmConnected(grant));
        }
        self.dispatch(Event::Hello(hello));
        if first {
            self.rtm_connection_live(now);
        }
    }

    fn protocol_error(
        &mut self,
        conn: ConnId,
        kind: ProtocolErrorKind,
        envelope_id: Option<String>,
        raw: Bytes,
    ) {
        self.stats.protocol_errors += 1;
        self.dispatch(Event::ProtocolError(ProtocolError {
            conn,
            kind,
            envelope_id,
            raw,
        }));
    }

    /// A frame that cannot be dispatched: report it, and for Socket Mode ack any envelope id
    /// that can still be read so Slack does not redeliver it forever.
    fn reject_frame(&mut self, conn: ConnId, kind: ProtocolErrorKind, frame: Bytes) {
        let salvaged = if self.rtm.is_none() {
            crate::envelope::salvage_envelope_id(&frame).map(str::to_owned)
        } else {
            None
        };
        let acked = salvaged.filter(|id| self.send_ack(conn, id, None).is_ok());
        self.protocol_error(conn, kind, acked, frame);
    }

    // ----- acks -----

    /// Queues an ack frame, on `conn` if it is still open, else on any live connection.
    fn send_ack(
        &mut self,
        conn: ConnId,
        raw_id: &str,
        payload: Option<&str>,
    ) -> Result<(), AckError> {
        let payload_len = payload.map_or(0, |p| p.len() + 11);
        let mut text = String::with_capacity(raw_id.len() + 18 + payload_len);
        text.push_str(r#"{"envelope_id":""#);
        text.push_str(raw_id);
        text.push('"');
        if let Some(payload) = payload {
            text.push_str(r#","payload":"#);
            text.push_str(payload);
        }
        text.push('}');
        if text.len() > crate::config::Config::SOCKET_MODE_MAX_OUTBOUND {
            return Err(AckError::TooLarge {
                len: text.len(),
                limit: crate::config::Config::SOCKET_MODE_MAX_OUTBOUND,
            });
        }
        let target = match self.index(conn) {
            Some(i) if self.conns[i].is_open() => conn,
            _ => self
                .conns
                .iter()
                .find(|c| c.is_live())
                .map(|c| c.id)
                .ok_or(AckError::NotConnected)?,
        };
        self.stats.acks_sent += 1;
        self.push(Action::SendText { conn: target, text });
        Ok(())
    }

    fn ack_json(
        &mut self,
        now: Instant,
        envelope_id: &str,
        payload: Option<&str>,
    ) -> Result<(), AckError> {
        let now = self.advance(now);
        if self.is_stopped() {
            return Err(AckError::Stopped);
        }
        let key = id_key(IdKind::Envelope, envelope_id.as_bytes());
        let Some(pending) = self.acks.get(key) else {
            return Err(AckError::NotPending);
        };
        // The frame is shared, so this "copy" of the id is a reference count.
        let (conn, frame, id) = (pending.conn, pending.frame.clone(), pending.id.clone());
        let redelivered = pending.redelivered;
        self.send_ack(conn, crate::json::text_at(&frame, id.clone()), payload)?;
        for _ in 0..redelivered {
            let _ = self.send_ack(conn, crate::json::text_at(&frame, id.clone()), payload);
        }
        if let Some(pending) = self.acks.remove(key) {
            self.stats.late_acks += u64::from(pending.overdue);
            self.ack_retries(&pending, payload);
        }
        self.settle(now);
        Ok(())
    }

    fn expire_acks(&mut self, now: Instant) {
        while let Some(due) = self.acks.pop_expired(now) {
            let Due::Deadline(key) = due else { continue };
            match self.config.late_ack {
                LateAckPolicy::AutoAck => {
                    if let Some(pending) = self.acks.remove(key) {
                        self.auto_ack(pending);
                    }
                }
                LateAckPolicy::Report => {
                    self.acks.mark_overdue(key, now);
                    if let Some(pending) = self.acks.get(key) {
                        let envelope_id = unescape(pending.raw_id()).into_owned();
                        self.dispatch(Event::AckOverdue {
                            envelope_id,
                            auto_acked: false,
                        });
                    }
                }
            }
        }
    }

    /// Acks the retries of an event (under other envelope ids) that waited for the ack of its
    /// first delivery. A retry whose connection is gone is left to Slack.
    fn ack_retries(&mut self, pending: &PendingAck, payload: Option<&str>) {
        for retry in &pending.retries {
            let id = crate::json::text_at(&retry.frame, retry.id.clone());
            let _ = self.send_ack(retry.conn, id, payload);
        }
    }

    fn auto_ack(&mut self, pending: PendingAck) {
        let auto_acked = self.send_ack(pending.conn, pending.raw_id(), None).is_ok();
        for _ in 0..pending.redelivered {
            let _ = self.send_ack(pending.conn, pending.raw_id(), None);
        }
        self.ack_retries(&pending, None);
        if auto_acked {
            self.stats.auto_acks += 1;
        }
        let envelope_id = unescape(pending.raw_id()).into_owned();
        self.dispatch(Event::AckOverdue {
            envelope_id,
            auto_acked,
        });
    }

    /// Ends the session: settles pending acks by the late-ack policy, closes every connection,
    /// reports unfinished RTM messages, and stops.
    fn finish(&mut self, now: Instant, reason: StopReason) {
        if self.is_stopped() {
            return;
        }
        let _ = now;
        for key in self.acks.keys_in_order() {
            let Some(pending) = self.acks.remove(key) else {
                continue;
            };
            if self.config.late_ack == LateAckPolicy::AutoAck && !pending.overdue {
                self.auto_ack(pending);
            }
        }
        self.acks.clear();
        let cause = if reason == StopReason::Shutdown {
            CloseCause::Shutdown
        } else {
            CloseCause::Stopped
        };
        while !self.conns.is_empty() {
            self.remove_connection(0, Some((CLOSE_NORMAL, "bye")), &cause);
        }
        self.rtm_drop_all();
        self.fetch = None;
        self.timers = TimerTable::default();
        self.state = State::Stopped(reason.clone());
        self.dispatch(Event::Stopped(reason));
    }

    fn next_timer(&self) -> Option<(Timer, Instant)> {
        if self.is_stopped() {
            return None;
        }
        let session = self.timers.next().map(|(slot, at)| {
            let timer = match slot {
                session_slot::HTTP => Timer::HttpRequest,
                session_slot::RETRY => Timer::Retry,
                _ => Timer::Shutdown,
            };
            (timer, at)
        });
        let acks = self.acks.next_deadline().map(|at| (Timer::AckDeadline, at));
        let conns = self.conns.iter().filter_map(Conn::next_deadline);
        let rtm = self.rtm_next_deadline();
        session
            .into_iter()
            .chain(acks)
            .chain(rtm)
            .chain(conns)
            .min_by_key(|&(_, at)| at)
    }
}

/// An ack payload is written into the frame as it is: it must be JSON.
fn is_json(text: &str) -> Result<(), serde_json::Error> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).map(|_| ())
}

/// Slack hands out `wss://` URLs; `ws://` appears only with local test servers, and the driver
/// decides whether to allow it (loopback only).
fn is_websocket_url(url: &str) -> bool {
    url.starts_with("wss://") || url.starts_with("ws://")
}
