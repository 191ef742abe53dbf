//! The part of every drive loop that talks to the session, written once for the async and the
//! blocking drivers: it feeds inputs and application commands (recording them when a
//! transcript is kept), carries out the session's actions through the driver's [`Carrier`],
//! hands envelopes and RTM events to the handlers, answers RTM senders, and logs lifecycle
//! events.

use std::collections::HashMap;
use std::fmt;

use slackline::{
    Action, ConnId, Event, Handled, HttpRequest, Input, Instant, Refused, RtmOutcome, SendError,
    Session, CLOSE_GOING_AWAY,
};

use crate::command::{Command, Reply};
use crate::routes::Work;
use crate::tap::Tap;

/// A frame for a WebSocket.
#[derive(Debug)]
#[non_exhaustive]
pub enum Frame {
    /// A text frame (an ack, an RTM message).
    Text(String),
    /// A WebSocket ping with this payload.
    Ping([u8; 8]),
}

/// A connection whose outbound queue is full: the peer is not reading. The host closes it
/// and tells the session it is gone.
#[derive(Debug)]
pub struct Stuck;

/// What a driver does with the session's actions. None of these may block or await: they
/// queue, spawn or hand over.
pub trait Carrier {
    /// Start this Web API request; its answer comes back as an [`Input`].
    fn http(&mut self, request: HttpRequest);
    /// Start opening this WebSocket.
    fn connect(&mut self, conn: ConnId, url: String);
    /// Queue a frame on an open connection (an unknown `conn` has just closed: ignore it).
    fn send(&mut self, conn: ConnId, frame: Frame) -> Result<(), Stuck>;
    /// Close a connection (or cancel its opening) and forget it; the close handshake is
    /// bounded and must not hold the loop up.
    fn close(&mut self, conn: ConnId, code: u16, reason: &'static str);
    /// Give an envelope or RTM event to the handlers.
    fn hand_over(&mut self, work: Work);
}

/// Receives lifecycle events (best effort: it must never block the loop).
pub type Observer = Box<dyn FnMut(Event) + Send>;

/// A session and what a driver keeps beside it.
pub struct SessionHost {
    session: Session,
    tap: Option<Tap>,
    rtm_replies: HashMap<u64, Reply<RtmOutcome>>,
    observer: Option<Observer>,
    events_in_order: bool,
}

impl SessionHost {
    pub(crate) fn new(session: Session, tap: Option<Tap>) -> Self {
        SessionHost {
            session,
            tap,
            rtm_replies: HashMap::default(),
            observer: None,
            events_in_order: false,
        }
    }

    /// Lifecycle events go to `observer` from now on.
    pub fn observe(&mut self, observer: Observer) {
        self.observer = Some(observer);
        self.events_in_order = false;
    }

    /// Lifecycle events are handed over with the handlers' work ([`Work::Event`]), in the
    /// order the session produced them among the envelopes and RTM events, instead of going
    /// to an observer.
    pub fn events_in_order(&mut self) {
        self.observer = None;
        self.events_in_order = true;
    }

    /// The session, to read its state and deadlines.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Feeds one input and carries out what follows. Time passing (`Input::Timeout`) is not
    /// recorded: a replay fires the session's timers itself.
    pub fn feed(
        &mut self,
        now: Instant,
        input: Input,
        carrier: &mut impl Carrier,
    ) -> Result<Handled, Refused> {
        if let (Some(tap), false) = (&mut self.tap, input == Input::Timeout) {
            tap.input(now, &input);
        }
        let result = self.session.handle(now, input);
        self.drain(now, carrier);
        result
    }

    /// Carries out an application command and answers it.
    pub fn command(&mut self, now: Instant, command: Command, carrier: &mut impl Carrier) {
        match command {
            Command::Ack {
                envelope_id,
                payload,
                reply,
            } => {
                let input = Input::Ack {
                    envelope_id: envelope_id.clone(),
                    payload,
                };
                let result = match self.feed(now, input, carrier) {
                    Err(Refused::Ack(error)) => Err(error),
                    _ => Ok(()),
                };
                match reply {
                    Some(reply) => reply(result),
                    None => {
                        if let Err(error) = result {
                            let envelope_id = slackline::redact_tokens(&envelope_id);
                            tracing::debug!(%envelope_id, %error, "ack after the handler ended");
                        }
                    }
                }
            }
            Command::Acks(envelope_ids) => {
                let count = envelope_ids.len();
                let mut refused = None;
                for envelope_id in envelope_ids {
                    let input = Input::Ack {
                        envelope_id,
                        payload: None,
                    };
                    if let Err(Refused::Ack(error)) = self.feed(now, input, carrier) {
                        refused.get_or_insert((error, 0)).1 += 1;
                    }
                }
                if let Some((error, refused)) = refused {
                    tracing::debug!(%error, refused, count, "acks given after their envelopes ended");
                }
            }
            Command::Rtm {
                message,
                queued,
                outcome,
            } => {
                let silent = message.is_silent();
                match self.feed(now, Input::Rtm(message), carrier) {
                    Ok(Handled::RtmQueued(id)) => {
                        if let (Some(outcome), false) = (outcome, silent) {
                            self.rtm_replies.insert(id, outcome);
                        }
                        queued(Ok(id));
                    }
                    Err(Refused::Rtm(error)) => queued(Err(error)),
                    _ => queued(Err(SendError::NotRtm)),
                }
            }
            Command::Shutdown => {
                tracing::info!("shutdown requested");
                let _ = self.feed(now, Input::Shutdown, carrier);
            }
        }
    }

    /// Carries out every queued action, including those that carrying out others produces.
    pub fn drain(&mut self, now: Instant, carrier: &mut impl Carrier) {
        while let Some(action) = self.session.poll_action() {
            if let Some(tap) = &mut self.tap {
                tap.action(now, &action);
            }
            match action {
                Action::Http(request) => carrier.http(request),
                Action::Connect { conn, url } => carrier.connect(conn, url),
                Action::SendText { conn, text } => self.send(now, conn, Frame::Text(text), carrier),
                Action::SendPing { conn, payload } => {
                    self.send(now, conn, Frame::Ping(payload), carrier)
                }
                Action::Close { conn, code, reason } => carrier.close(conn, code, reason),
                Action::Dispatch(event) => self.dispatch(event, carrier),
                other => tracing::debug!(action = ?other, "action not supported by this driver"),
            }
        }
    }

    fn send(&mut self, now: Instant, conn: ConnId, frame: Frame, carrier: &mut impl Carrier) {
        if carrier.send(conn, frame).is_ok() {
            return;
        }
        tracing::warn!(%conn, "outbound queue full: dropping the connection");
        carrier.close(conn, CLOSE_GOING_AWAY, "stuck");
        let input = Input::Closed {
            conn,
            code: None,
            reason: "outbound queue full".into(),
        };
        if let Some(tap) = &mut self.tap {
            tap.input(now, &input);
        }
        // The actions this produces are drained by the caller's loop.
        let _ = self.session.handle(now, input);
    }

    fn dispatch(&mut self, event: Event, carrier: &mut impl Carrier) {
        match event {
            Event::Envelope(envelope) => carrier.hand_over(Work::Envelope(envelope)),
            Event::Rtm(event) => carrier.hand_over(Work::Rtm(event)),
            Event::RtmReply(reply) => match self.rtm_replies.remove(&reply.id) {
                Some(waiter) => waiter(reply.outcome),
                None => tracing::debug!(id = reply.id, outcome = ?reply.outcome, "RTM reply"),
            },
            other => {
                log_event(&other);
                if self.events_in_order {
                    carrier.hand_over(Work::Event(other));
                } else if let Some(observer) = &mut self.observer {
                    observer(other);
                }
            }
        }
    }
}

impl fmt::Debug for SessionHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionHost")
            .field("session", &self.session)
            .field("recording", &self.tap.is_some())
            .field("rtm_replies_awaited", &self.rtm_replies.len())
            .finish_non_exhaustive()
    }
}

/// Lifecycle events in the log: what a person watching needs at info and warn, the rest at
/// debug.
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
