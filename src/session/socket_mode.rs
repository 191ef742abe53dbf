//! Socket Mode frames inside the session: hello, disconnect by reason, envelopes.

use bytes::Bytes;

use super::acks::{PendingAck, Retry};
use super::Session;
use crate::action::CLOSE_NORMAL;
use crate::dedupe::{id_key, IdKind};
use crate::envelope::{parse_frame, AckState, DisconnectReason, Envelope, Frame};
use crate::event::{CloseCause, Event, ProtocolErrorKind, ReconnectCause, StopReason};
use crate::time::Instant;

impl Session {
    pub(super) fn on_socket_mode_frame(&mut self, now: Instant, i: usize, frame: Bytes) {
        let conn = self.conns[i].id;
        match parse_frame(conn, frame.clone(), now) {
            Err(error) => {
                let acked = error
                    .envelope_id
                    .filter(|id| self.send_ack(conn, id, None).is_ok());
                self.protocol_error(
                    conn,
                    ProtocolErrorKind::Malformed(error.detail),
                    acked,
                    frame,
                );
            }
            Ok(Frame::Hello(hello)) => self.on_hello(now, i, hello),
            Ok(Frame::Disconnect(reason)) => self.on_disconnect(now, i, reason),
            Ok(Frame::Envelope(envelope)) => {
                if !self.conns[i].is_live() {
                    self.protocol_error(conn, ProtocolErrorKind::BeforeHello, None, frame);
                }
                self.on_envelope(now, envelope);
            }
            Ok(Frame::Unknown(kind)) => {
                self.protocol_error(conn, ProtocolErrorKind::UnknownType(kind), None, frame)
            }
        }
    }

    fn on_disconnect(&mut self, now: Instant, i: usize, reason: DisconnectReason) {
        let conn = self.conns[i].id;
        self.dispatch(Event::Disconnect {
            conn,
            reason: reason.clone(),
        });
        match reason {
            DisconnectReason::LinkDisabled => self.finish(now, StopReason::LinkDisabled),
            DisconnectReason::TooManyWebsockets => {
                // Opening another would only add to the count: shed this one and wait.
                let cause = CloseCause::TooManyWebsockets;
                self.remove_connection(i, Some((CLOSE_NORMAL, "too many websockets")), &cause);
                self.schedule_retry(now, ReconnectCause::Connection(cause), None);
            }
            // `warning`, `refresh_requested`, and reasons yet unknown: make before break.
            _ => self.retire(i, now),
        }
    }

    /// Ack first, dispatch second; deferred acks for envelopes that take a response payload;
    /// redeliveries acked but not dispatched.
    fn on_envelope(&mut self, now: Instant, mut envelope: Envelope) {
        self.stats.envelopes += 1;
        if self.is_draining() {
            // Left unacked on purpose: Slack redelivers it to a connection that will handle it.
            self.stats.refused_while_draining += 1;
            return;
        }
        let envelope_key = id_key(IdKind::Envelope, &envelope.id_bytes());
        let event_key = envelope
            .event_id_bytes()
            .map(|event_id| id_key(IdKind::Event, &event_id));
        let duplicate = match self.dedupe.as_mut() {
            Some(dedupe) => match event_key {
                Some(event_key) => dedupe.check_and_insert(now, &[envelope_key, event_key]),
                None => dedupe.check_and_insert(now, &[envelope_key]),
            },
            None => false,
        };
        let defer = !duplicate
            && (self.config.app_acks
                || envelope.accepts_response_payload() && self.config.defer_response_acks);
        // Under app acks, a redelivery of an envelope the app has not acked yet is not acked
        // on its own: that would tell Slack it was taken care of before the app says so (and
        // a process dying then would lose the event for good). The app's ack of the first
        // delivery answers it, whether it came under the same envelope id or, as Slack
        // retries an event, under a new one.
        let owed = duplicate
            && self.config.app_acks
            && (self.acks.get_mut(envelope_key).is_some_and(|pending| {
                pending.redelivered += 1;
                true
            }) || event_key
                .and_then(|event| self.acks.owed_event_mut(event))
                .is_some_and(|pending| {
                    pending.retries.push(Retry {
                        conn: envelope.conn(),
                        frame: envelope.frame_bytes().clone(),
                        id: envelope.raw_id_range(),
                    });
                    true
                }));
        if owed {
            // Answered by the app's ack of the first delivery, whenever that comes.
        } else if defer {
            let deadline = now + self.config.ack_timeout;
            let pending = PendingAck {
                conn: envelope.conn(),
                frame: envelope.frame_bytes().clone(),
                id: envelope.raw_id_range(),
                deadline,
                overdue: false,
                redelivered: 0,
                event: event_key,
                retries: Vec::new(),
            };
            self.acks.insert(envelope_key, pending);
            envelope.set_ack(AckState::AwaitingApp { deadline });
        } else if let Err(error) = self.send_ack(envelope.conn(), envelope.raw_id(), None) {
            let detail = format!("envelope could not be acked: {error}");
            let raw = envelope.frame_bytes().clone();
            self.protocol_error(
                envelope.conn(),
                ProtocolErrorKind::Malformed(detail),
                None,
                raw,
            );
            return;
        }
        if duplicate {
            self.stats.duplicates += 1;
            self.dispatch(Event::Duplicate {
                conn: envelope.conn(),
                envelope_id: envelope.envelope_id().into_owned(),
                event_id: envelope.event_id().map(|e| e.into_owned()),
                retry_attempt: envelope.retry_attempt(),
            });
            return;
        }
        self.dispatch(Event::Envelope(envelope));
    }
}
