//! The invariants a [`Session`] keeps whatever the network and Slack do, checked as it runs.
//!
//! An [`Audit`] watches the session's actions and, after every drain, the session itself; the
//! harness feeds it every run (chaos or not), and a scripted test driver can feed it too. What
//! it checks, from the client's side of the wire:
//!
//! - **Connections**: no frame on a connection the session closed (or lost), no connection
//!   closed twice, never more sockets than the pool allows (N, plus the one replacement in
//!   flight, at most 10); every connection is live or gone within the hello timeout; none is
//!   forgotten without a close; a half-open one the harness reports is abandoned within ping
//!   interval + pong timeout; a refresh leaves no moment without a live connection unless a
//!   disruptive fault hit while the replacement was being opened.
//! - **Acks**: never more acks for an `envelope_id` than deliveries of it; every delivery acked
//!   in the same drain, or, when the app owns the ack, by its deadline (under
//!   [`LateAckPolicy::AutoAck`]), unless no connection could carry it (reported as such).
//! - **Dispatch**: no envelope dispatched twice (same `envelope_id` or `payload.event_id`)
//!   within the dedupe window.
//! - **Time**: `poll_timeout()` never in the past after a drain.
//! - **Retries**: every reconnect delay within the policy (`backoff_max`, or a longer
//!   `Retry-After` / rate-limit wait), at least the `Retry-After` it answers (up to the
//!   configured cap), and no URL request before the announced delay, nor before a
//!   `Retry-After` that reached the session (capped alike), has passed.
//! - **Stopping**: after `Stopped`, no action at all and no connection left open.
//! - **RTM**: messages paced at the configured interval, one outcome per message, and an
//!   outcome for every message sent once the session has stopped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use slackline::Action;
use slackline::Instant;
use slackline::Session;
use slackline::{AckState, DisconnectReason};
use slackline::{ApiError, HttpResponse};
use slackline::{CloseCause, Event, ReconnectCause};
use slackline::{Config, LateAckPolicy};
use slackline::{ConnId, RequestId};

mod acks;
mod liveness;

use acks::AckBook;
pub(crate) use liveness::MIN_GRACE;

/// Which invariant a [`Breach`] broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// A frame sent on a connection that was closed or never opened.
    FrameAfterClose,
    /// A connection opened twice or closed when it was not open.
    ConnectionBookkeeping,
    /// More sockets than the pool allows.
    TooManySockets,
    /// `poll_timeout()` in the past after a drain.
    TimeoutInPast,
    /// A connection neither live nor gone after the hello timeout.
    HelloNotAwaited,
    /// The session dropped a connection without closing it or saying so.
    ConnectionForgotten,
    /// A half-open connection outlived ping interval + pong timeout.
    HalfOpenUndetected,
    /// No live connection during a refresh that nothing disturbed.
    RefreshGap,
    /// More acks for an envelope than deliveries of it.
    AckedTooOften,
    /// A delivery not acked in time.
    AckMissing,
    /// An envelope dispatched twice within the dedupe window.
    DispatchedTwice,
    /// A reconnect delay outside the policy or shorter than `Retry-After`.
    DelayOutOfBounds,
    /// A URL request before the announced reconnect delay.
    RetryTooEarly,
    /// Something done after the session stopped.
    ActionAfterStop,
    /// A frame the session wrote that is not what the protocol expects.
    MalformedOutput,
    /// RTM messages closer than the send interval.
    RtmPacing,
    /// An RTM message with no outcome, or with more than one.
    RtmOutcome,
}

/// A broken invariant: when, which, and the details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Breach {
    /// Virtual time.
    pub at: Instant,
    /// Which invariant.
    pub rule: Rule,
    /// What happened.
    pub detail: String,
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {:?}: {:?}: {}", self.at, self.rule, self.detail)
    }
}

/// Watches a session; see the module documentation.
#[derive(Debug)]
pub struct Audit {
    cap: usize,
    ping_bound: Duration,
    hello_timeout: Duration,
    backoff_max: Duration,
    rate_limit_wait: Duration,
    max_retry_after: Duration,
    http_timeout: Duration,
    dedupe_window: Option<Duration>,
    late_ack: LateAckPolicy,
    app_acks: bool,
    /// Under app acks: the envelope id of each event's first delivery the app acks.
    owed_events: BTreeMap<String, String>,
    rtm_interval: Option<Duration>,
    judge_refresh_gaps: bool,
    /// Deliveries are counted from the wire ([`received`](Self::received)).
    wire: bool,
    /// The frame being handled was counted as a delivery.
    frame_counted: bool,
    /// Open connections (from `Connect` until closed) and when they were opened.
    open: BTreeMap<ConnId, Instant>,
    /// Half-open connections and when they must be gone.
    half_open: BTreeMap<ConnId, Instant>,
    /// Whether the session was told, at the last drain, that the driver is not reading.
    input_paused: bool,
    acks: BTreeMap<String, AckBook>,
    /// Envelope ids with deliveries not yet acked (kept small so checks cost little).
    outstanding: BTreeSet<String>,
    acked_in_drain: BTreeSet<String>,
    dispatched: BTreeMap<String, Instant>,
    retry_not_before: Option<Instant>,
    /// The URL request the session waits for.
    awaiting_url: Option<RequestId>,
    longest_wait: Duration,
    stopped: Option<Instant>,
    last_disruption: Option<Instant>,
    replacing_since: Option<Instant>,
    /// Connections Slack asked to be replaced (`disconnect` warning or refresh, `goodbye`).
    warned: BTreeMap<ConnId, Instant>,
    /// Connections the session is replacing, as of the last drain.
    retiring: BTreeSet<ConnId>,
    /// A gap in live connections during a replacement, judged when it ends: since when the
    /// replacement was owed, and when the gap began.
    gap: Option<(Instant, Instant)>,
    /// A connection was closed as replaced in this drain.
    replaced_in_drain: bool,
    live: usize,
    rtm_sent: BTreeMap<u64, Instant>,
    rtm_outcomes: BTreeMap<u64, u32>,
    rtm_last_paced: Option<Instant>,
    breaches: Vec<Breach>,
}

impl Audit {
    /// An audit of a session created with `config`.
    pub fn new(config: &Config) -> Self {
        let target = usize::from(config.connections());
        Audit {
            cap: (target + 1).min(usize::from(Config::MAX_SOCKET_MODE_CONNECTIONS)),
            ping_bound: config.ping_interval() + config.pong_timeout(),
            hello_timeout: config.hello_timeout(),
            backoff_max: config.backoff_max(),
            rate_limit_wait: config.rate_limit_wait(),
            max_retry_after: config.max_retry_after(),
            http_timeout: config.http_timeout(),
            dedupe_window: config.dedupe_window(),
            late_ack: config.late_ack_policy(),
            app_acks: config.app_acks(),
            owed_events: BTreeMap::new(),
            rtm_interval: config.rtm_send_interval(),
            wire: false,
            frame_counted: false,
            judge_refresh_gaps: true,
            open: BTreeMap::new(),
            half_open: BTreeMap::new(),
            input_paused: false,
            acks: BTreeMap::new(),
            outstanding: BTreeSet::new(),
            acked_in_drain: BTreeSet::new(),
            dispatched: BTreeMap::new(),
            retry_not_before: None,
            awaiting_url: None,
            longest_wait: Duration::ZERO,
            stopped: None,
            last_disruption: None,
            replacing_since: None,
            warned: BTreeMap::new(),
            retiring: BTreeSet::new(),
            gap: None,
            replaced_in_drain: false,
            live: 0,
            rtm_sent: BTreeMap::new(),
            rtm_outcomes: BTreeMap::new(),
            rtm_last_paced: None,
            breaches: Vec::new(),
        }
    }

    /// Leaves refresh gaps unjudged: for a scripted driver that answers the session's requests
    /// only when a test says so, whether a replacement can connect is the test's choice.
    pub fn without_refresh_gaps(mut self) -> Self {
        self.judge_refresh_gaps = false;
        self
    }

    /// Every invariant broken so far, in the order noticed.
    pub fn breaches(&self) -> &[Breach] {
        &self.breaches
    }

    /// The breaches, taken.
    pub fn into_breaches(self) -> Vec<Breach> {
        self.breaches
    }

    fn breach(&mut self, at: Instant, rule: Rule, detail: String) {
        self.breaches.push(Breach { at, rule, detail });
    }

    /// Something happened at `now` that may keep a replacement connection from coming up
    /// (a lost packet, a failed call, a cut): a gap in the next while is not the session's.
    pub fn disruption(&mut self, now: Instant) {
        self.last_disruption = Some(now);
    }

    /// One action the session emitted at `now`, in order.
    pub fn action(&mut self, now: Instant, action: &Action) {
        if let Some(stopped) = self.stopped {
            self.breach(
                now,
                Rule::ActionAfterStop,
                format!("{action:?} after the session stopped at {stopped:?}"),
            );
        }
        match action {
            Action::Http(request) => {
                self.awaiting_url = Some(request.id());
                if let Some(not_before) = self.retry_not_before.filter(|&t| now < t) {
                    self.breach(
                        now,
                        Rule::RetryTooEarly,
                        format!(
                            "URL request {:?} before the announced retry",
                            not_before - now
                        ),
                    );
                }
            }
            Action::Connect { conn, .. } => {
                if self.open.insert(*conn, now).is_some() {
                    self.breach(
                        now,
                        Rule::ConnectionBookkeeping,
                        format!("{conn} opened twice"),
                    );
                }
                if self.open.len() > self.cap {
                    let detail = format!(
                        "{} sockets open, the pool allows {}",
                        self.open.len(),
                        self.cap
                    );
                    self.breach(now, Rule::TooManySockets, detail);
                }
            }
            Action::SendText { conn, text } => {
                self.frame_on(now, *conn, action);
                match self.rtm_interval {
                    Some(interval) => self.rtm_sent(now, text, interval),
                    None => self.ack_sent(now, text),
                }
            }
            Action::SendPing { conn, .. } => self.frame_on(now, *conn, action),
            Action::Close { conn, .. } => {
                if self.open.remove(conn).is_none() {
                    self.breach(
                        now,
                        Rule::ConnectionBookkeeping,
                        format!("{conn} closed but it was not open"),
                    );
                }
                self.half_open.remove(conn);
            }
            Action::Dispatch(event) => self.event(now, event),
            _ => {}
        }
    }

    fn frame_on(&mut self, now: Instant, conn: ConnId, action: &Action) {
        if !self.open.contains_key(&conn) {
            self.breach(
                now,
                Rule::FrameAfterClose,
                format!("{action:?} on {conn}, which is closed or unknown"),
            );
        }
    }

    /// An HTTP response is about to be handed to the session. A `429` with `Retry-After` for
    /// the URL request it waits for holds the next request back at least that long, whatever
    /// the session makes of it; any failure counts as a [`disruption`](Self::disruption).
    pub fn http_response(&mut self, now: Instant, request: RequestId, response: &HttpResponse) {
        if self.awaiting_url != Some(request) {
            return;
        }
        if slackline::classify(response).is_err() {
            // A failed URL request holds a replacement back.
            self.disruption(now);
        }
        self.awaiting_url = None;
        if let (429, Some(wait)) = (response.status, response.retry_after) {
            let at = now + wait.min(self.max_retry_after);
            self.retry_not_before = Some(self.retry_not_before.map_or(at, |t| t.max(at)));
        }
    }

    fn rtm_sent(&mut self, now: Instant, text: &str, interval: Duration) {
        #[derive(serde::Deserialize)]
        struct Message {
            id: Option<u64>,
            #[serde(rename = "type")]
            kind: Option<String>,
        }
        let Ok(message) = serde_json::from_str::<Message>(text) else {
            return self.malformed_output(now, text);
        };
        // Liveness pings go out on their own schedule; everything else waits its turn.
        if message.kind.as_deref() == Some("ping") {
            return;
        }
        if let Some(last) = self.rtm_last_paced.filter(|&last| now - last < interval) {
            let detail = format!("two RTM messages {:?} apart", now - last);
            self.breach(now, Rule::RtmPacing, detail);
        }
        self.rtm_last_paced = Some(now);
        if let (Some(id), Some("message")) = (message.id, message.kind.as_deref()) {
            self.rtm_sent.entry(id).or_insert(now);
        }
    }

    fn event(&mut self, now: Instant, event: &Event) {
        match event {
            Event::Envelope(envelope) => {
                let id = envelope.envelope_id().into_owned();
                let deferred = match envelope.ack_state() {
                    AckState::AwaitingApp { deadline } => Some(deadline),
                    _ => None,
                };
                self.delivered(&id, deferred);
                if let (Some(_), Some(event)) = (deferred, envelope.event_id()) {
                    self.owed_events.insert(event.into_owned(), id.clone());
                }
                let event_id = envelope.event_id().map(|e| format!("event {e}"));
                for key in std::iter::once(format!("envelope {id}")).chain(event_id) {
                    self.dispatch_once(now, key);
                }
            }
            Event::Duplicate {
                envelope_id,
                event_id,
                ..
            } => {
                // Under app acks a redelivery of an id the app still owes an ack for waits
                // for that ack (the session sends one per delivery then).
                let owed = self
                    .acks
                    .get(envelope_id)
                    .filter(|book| self.app_acks && book.unacked() > 0)
                    .and_then(|book| book.deferred.last().copied());
                // A retry of an event under a new envelope id while the app still owes the
                // ack of its first delivery waits for that ack too.
                let first_owed = if owed.is_none() && self.app_acks {
                    event_id
                        .as_ref()
                        .and_then(|event| self.owed_events.get(event))
                        .and_then(|first| self.acks.get(first))
                        .filter(|book| book.unacked() > 0)
                        .and_then(|book| book.deferred.last().copied())
                } else {
                    None
                };
                self.delivered(envelope_id, owed.or(first_owed));
            }
            Event::ProtocolError(error) => {
                if let Some(id) = &error.envelope_id {
                    self.delivered(&unescape(id), None);
                }
            }
            Event::AckOverdue {
                envelope_id,
                auto_acked: false,
            } if self.late_ack == LateAckPolicy::AutoAck => {
                let book = self.acks.entry(envelope_id.clone()).or_default();
                book.excused += 1;
                if book.unacked() == 0 {
                    self.outstanding.remove(envelope_id);
                }
            }
            Event::Disconnect { conn, reason } => match reason {
                DisconnectReason::Warning | DisconnectReason::RefreshRequested => {
                    self.warned.entry(*conn).or_insert(now);
                }
                _ => self.disruption(now),
            },
            Event::Goodbye { conn } => {
                self.warned.entry(*conn).or_insert(now);
            }
            Event::ConnectionClosed { conn, cause } => {
                // Losing a connection is a disruption, unless the session let it go, or Slack
                // closed one it had asked to be replaced after a grace period that left time
                // for the replacement (Slack's is 10 s).
                let graceful = self
                    .warned
                    .remove(conn)
                    .is_some_and(|warned| now.saturating_duration_since(warned) >= MIN_GRACE);
                self.replaced_in_drain |= *cause == CloseCause::Replaced;
                let expected = match cause {
                    CloseCause::Replaced | CloseCause::Shutdown | CloseCause::Stopped => true,
                    CloseCause::ClosedByPeer { .. } => graceful,
                    _ => false,
                };
                if !expected {
                    self.disruption(now);
                }
                self.open.remove(conn);
                self.half_open.remove(conn);
            }
            Event::Reconnecting { delay, cause, .. } => self.reconnecting(now, *delay, cause),
            Event::Stopped(_) => self.stopped = Some(now),
            Event::RtmReply(reply) => {
                let count = self.rtm_outcomes.entry(reply.id).or_default();
                *count += 1;
                if *count > 1 {
                    let detail = format!("RTM message {} got {count} outcomes", reply.id);
                    self.breach(now, Rule::RtmOutcome, detail);
                }
            }
            _ => {}
        }
    }

    fn reconnecting(&mut self, now: Instant, delay: Duration, cause: &ReconnectCause) {
        // Whatever made a reconnect necessary also holds a replacement back.
        self.disruption(now);
        if matches!(cause, ReconnectCause::Api(ApiError::Timeout)) {
            // The session gave up on the request: a late answer is ignored.
            self.awaiting_url = None;
        }
        let retry_after = match cause {
            ReconnectCause::Api(ApiError::RateLimited { retry_after }) => {
                // A `Retry-After` is honoured up to the configured cap.
                let retry_after = retry_after.map(|asked| asked.min(self.max_retry_after));
                let wait = retry_after.unwrap_or(self.rate_limit_wait);
                self.longest_wait = self.longest_wait.max(wait);
                retry_after
            }
            _ => None,
        };
        let bound = self.backoff_max.max(self.longest_wait);
        if delay > bound {
            let detail = format!("delay {delay:?} above the policy's bound {bound:?} ({cause:?})");
            self.breach(now, Rule::DelayOutOfBounds, detail);
        }
        if let Some(wait) = retry_after.filter(|&wait| delay < wait) {
            let detail = format!("delay {delay:?} shorter than Retry-After {wait:?}");
            self.breach(now, Rule::DelayOutOfBounds, detail);
        }
        let at = now + delay;
        self.retry_not_before = Some(self.retry_not_before.map_or(at, |t| t.max(at)));
    }

    /// The session was drained at `now`: checks what must hold between inputs.
    pub fn drained(&mut self, now: Instant, session: &Session) {
        if let Some(at) = session.poll_timeout().filter(|&at| at < now) {
            let detail = format!(
                "poll_timeout {at:?} before now ({:?})",
                session.timeout_reason()
            );
            self.breach(now, Rule::TimeoutInPast, detail);
        }
        if self.stopped.is_some() && !self.open.is_empty() {
            let detail = format!(
                "{:?} still open after the session stopped",
                self.open.keys()
            );
            self.breach(now, Rule::ActionAfterStop, detail);
            self.open.clear();
        }
        self.check_connections(now, session);
        self.check_acks(now);
        self.check_refresh(now, session);
    }

    /// The end of a run: what is still owed. RTM messages sent without an outcome are a
    /// breach once the session has stopped.
    pub fn finish(&mut self, now: Instant, session: &Session) {
        self.drained(now, session);
        // A gap still open is judged if the replacement had time enough to come up.
        let recovery = self.backoff_max + self.http_timeout + self.hello_timeout;
        if self.gap.is_some_and(|(_, began)| began + recovery <= now) {
            self.judge_gap(now, session);
        }
        if session.is_stopped() {
            let missing: Vec<u64> = self
                .rtm_sent
                .keys()
                .filter(|id| !self.rtm_outcomes.contains_key(id))
                .copied()
                .collect();
            if !missing.is_empty() {
                let detail = format!("RTM messages {missing:?} never got an outcome");
                self.breach(now, Rule::RtmOutcome, detail);
            }
        }
    }
}

#[cfg(test)]
mod tests;

/// The text of a JSON string's contents as the session reports it (escapes decoded).
fn unescape(contents: &str) -> std::borrow::Cow<'_, str> {
    if !contents.contains('\\') {
        return std::borrow::Cow::Borrowed(contents);
    }
    serde_json::from_str::<String>(&format!("\"{contents}\"")).map_or(
        std::borrow::Cow::Borrowed(contents),
        std::borrow::Cow::Owned,
    )
}
