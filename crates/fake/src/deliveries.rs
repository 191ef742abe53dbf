//! Envelope deliveries and their acks: matching acks to deliveries, the 3-second deadline,
//! Slack-style redelivery of envelopes nobody acked.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::ids::SocketId;
use super::script::{ScriptEnvelope, Target};
use super::socket::{pick, SocketKind};
use super::{FakeSlack, ViolationKind, MAX_ACK_FRAME};
use slackline::Instant;

/// One envelope frame sent to the client.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) envelope: Arc<ScriptEnvelope>,
    pub(crate) envelope_id: String,
    pub(crate) label: String,
    pub(crate) retry_attempt: u64,
    pub(crate) socket: SocketId,
    pub(crate) delivered_at: Instant,
    pub(crate) deadline: Instant,
    /// Redeliver it if it is not acked by the deadline.
    pub(crate) redeliver: bool,
    /// The deadline has been handled (redelivered or given up on).
    pub(crate) expired: bool,
    pub(crate) acked_at: Option<Instant>,
    pub(crate) ack_socket: Option<SocketId>,
    pub(crate) ack_payload: bool,
    /// The ack's payload (tokens redacted), when it had one.
    pub(crate) response_payload: Option<serde_json::Value>,
    pub(crate) duplicate_acks: u32,
    /// How many redeliveries preceded this one for the same script envelope.
    pub(crate) generation: u32,
    /// Sent as a retry (by the fake's own redelivery or a `redeliver` step).
    pub(crate) redelivery: bool,
    /// An ack is owed (false for malformed raw frames whose id a client may salvage).
    pub(crate) required: bool,
}

/// An ack frame: `{"envelope_id":"…"}` with an optional `payload`.
#[derive(Deserialize)]
struct AckFrame<'a> {
    #[serde(borrow, default)]
    envelope_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
}

/// What an envelope delivery needs, whichever way it was decided.
pub(crate) struct Send {
    pub(crate) envelope: Arc<ScriptEnvelope>,
    pub(crate) envelope_id: String,
    pub(crate) label: String,
    pub(crate) retry: Option<(u64, String)>,
    pub(crate) redeliver: bool,
    pub(crate) generation: u32,
    pub(crate) required: bool,
}

impl FakeSlack {
    /// Sends a frame as is on `socket`, tracking it as a delivery if it carries an
    /// `envelope_id`: an envelope if it reads as one with a `type` (an ack is owed), else a
    /// malformed frame whose id a careful client still acks.
    pub(crate) fn send_raw(&mut self, now: Instant, socket: SocketId, text: &str) {
        let is_socket_mode = self
            .index(socket)
            .is_some_and(|i| self.sockets[i].kind == SocketKind::SocketMode);
        let id = slackline::salvage_envelope_id(text.as_bytes());
        let (Some(id), true) = (id, is_socket_mode) else {
            return self.send_text(socket, text.to_owned());
        };
        let (envelope, required) = match ScriptEnvelope::parse(text, true) {
            // Without a `type` it is the shape of an ack, not an envelope: nothing is owed.
            Ok(envelope) => {
                let required = !envelope.kind().is_empty();
                (envelope, required)
            }
            Err(_) => (ScriptEnvelope::opaque(text, id), false),
        };
        let send = Send {
            envelope_id: id.to_owned(),
            envelope: Arc::new(envelope),
            label: "raw frame".into(),
            retry: None,
            redeliver: false,
            generation: 0,
            required,
        };
        self.deliver_on(now, socket, send);
    }

    /// Sends an envelope on a socket picked by `target`; `None` when no Socket Mode socket is
    /// ready (the caller waits).
    pub(crate) fn deliver(&mut self, now: Instant, target: Target, send: Send) -> Option<usize> {
        self.deliver_avoiding(now, target, send, &[])
    }

    /// [`deliver`](Self::deliver) on a socket not in `avoid`.
    pub(crate) fn deliver_avoiding(
        &mut self,
        now: Instant,
        target: Target,
        send: Send,
        avoid: &[SocketId],
    ) -> Option<usize> {
        let candidates: Vec<&super::Socket> = self
            .sockets
            .iter()
            .filter(|s| s.kind == SocketKind::SocketMode && s.is_ready())
            .filter(|s| !avoid.contains(&s.id))
            .collect();
        let target = match target {
            // One envelope goes to one socket.
            super::script::Target::All => super::script::Target::Any,
            other => other,
        };
        let socket = *pick(&candidates, target, &mut self.round_robin).first()?;
        Some(self.deliver_on(now, socket, send))
    }

    fn deliver_on(&mut self, now: Instant, socket: SocketId, send: Send) -> usize {
        let redelivery = send.retry.is_some();
        if !redelivery && send.generation == 0 {
            if let Some(payload) = send.envelope.payload_json() {
                crate::api::learn_from_payload(
                    &mut self.workspace,
                    now,
                    send.envelope.kind(),
                    payload,
                );
            }
        }
        let (frame, retry_attempt) = match &send.retry {
            None => (
                send.envelope.first_frame(&send.envelope_id),
                send.envelope.retry_attempt(),
            ),
            Some((attempt, reason)) => (
                send.envelope
                    .retry_frame(&send.envelope_id, *attempt, reason),
                *attempt,
            ),
        };
        self.send_text(socket, frame);
        let index = self.deliveries.len();
        let deadline = now + self.script.header().ack_deadline;
        self.unsettled.insert((deadline, index));
        self.by_envelope_id
            .entry(send.envelope_id.clone())
            .or_default()
            .push(index);
        self.deliveries.push(Delivery {
            envelope: send.envelope,
            envelope_id: send.envelope_id,
            label: send.label,
            retry_attempt,
            socket,
            delivered_at: now,
            deadline,
            redeliver: send.redeliver,
            expired: false,
            acked_at: None,
            ack_socket: None,
            ack_payload: false,
            response_payload: None,
            duplicate_acks: 0,
            generation: send.generation,
            redelivery,
            required: send.required,
        });
        index
    }

    /// A text frame on a Socket Mode socket: it should be an ack.
    pub(crate) fn on_ack_frame(&mut self, now: Instant, i: usize, text: &[u8]) {
        let socket = self.sockets[i].id;
        if text.len() > MAX_ACK_FRAME {
            self.violation(
                now,
                ViolationKind::AckTooLarge {
                    socket: socket.0,
                    bytes: text.len(),
                },
            );
            // What Slack does (revelrylabs/slax#614).
            self.close_socket(now, i, 1009, "Max frame length of 20480 has been exceeded.");
            return;
        }
        let ack: AckFrame<'_> = match serde_json::from_slice(text) {
            Ok(ack) => ack,
            Err(e) => {
                let detail = format!("not a JSON object: {e}");
                return self.violation(
                    now,
                    ViolationKind::UnexpectedFrame {
                        socket: socket.0,
                        detail,
                    },
                );
            }
        };
        let Some(envelope_id) = ack.envelope_id.filter(|id| !id.is_empty()) else {
            let detail = "no `envelope_id`: only acks are expected on a Socket Mode socket".into();
            return self.violation(
                now,
                ViolationKind::UnexpectedFrame {
                    socket: socket.0,
                    detail,
                },
            );
        };
        let with_payload = ack
            .payload
            .is_some_and(|p| !matches!(p.get().trim(), "null" | "{}"));
        // The same id may be out more than once (redeliveries, scripts reusing ids): the ack is
        // for the copy on this socket still within its deadline, else any live copy, else the oldest.
        let copies = self
            .by_envelope_id
            .get(envelope_id.as_ref())
            .map_or(&[][..], Vec::as_slice);
        let deliveries = &self.deliveries;
        let unacked = |i: &&usize| deliveries[**i].acked_at.is_none();
        let live = |i: &&usize| !deliveries[**i].expired;
        let matched = copies
            .iter()
            .filter(unacked)
            .find(|i| live(i) && deliveries[**i].socket == socket)
            .or_else(|| copies.iter().filter(unacked).find(live))
            .or_else(|| copies.iter().find(unacked))
            .copied();
        if let Some(i) = matched {
            let d = &mut self.deliveries[i];
            d.acked_at = Some(now);
            d.ack_socket = Some(socket);
            d.ack_payload = with_payload;
            d.response_payload = ack
                .payload
                .filter(|_| with_payload)
                .and_then(|p| serde_json::from_str(&slackline::redact_tokens(p.get())).ok());
            let key = (d.deadline, i);
            self.unsettled.remove(&key);
            return;
        }
        let acked = copies.last().copied();
        // A client could send anything as an id; reports never carry a token.
        let envelope_id = slackline::redact_tokens(&envelope_id).into_owned();
        match acked {
            Some(d) => {
                self.deliveries[d].duplicate_acks += 1;
                self.violation(
                    now,
                    ViolationKind::DuplicateAck {
                        envelope_id,
                        socket: socket.0,
                    },
                );
            }
            None => self.violation(
                now,
                ViolationKind::UnknownAck {
                    envelope_id,
                    socket: socket.0,
                },
            ),
        }
    }

    pub(crate) fn next_ack_deadline(&self) -> Option<Instant> {
        self.unsettled.first().map(|&(deadline, _)| deadline)
    }

    /// Every delivery is acked or past its deadline.
    pub(crate) fn deliveries_settled(&self, now: Instant) -> bool {
        self.unsettled
            .last()
            .is_none_or(|&(deadline, _)| deadline <= now)
    }

    /// Deadlines that passed: redeliver what nobody acked, as Slack does.
    pub(crate) fn expire_deliveries(&mut self, now: Instant) {
        let max = self.script.header().max_redeliveries;
        while let Some(&(deadline, i)) = self.unsettled.first() {
            if deadline > now {
                break;
            }
            self.unsettled.pop_first();
            let d = &mut self.deliveries[i];
            d.expired = true;
            // Slack retries envelopes; a frame no ack is owed for is not one.
            if d.redeliver && d.required && d.generation < max {
                self.waiting_redeliveries.push_back(i);
            }
        }
    }

    /// Sends the redeliveries that wait for a socket; true if any went out.
    pub(crate) fn flush_waiting_redeliveries(&mut self, now: Instant) -> bool {
        let mut sent = false;
        while let Some(&i) = self.waiting_redeliveries.front() {
            let original = &self.deliveries[i];
            if original.acked_at.is_some() {
                // Acked late while waiting: Slack would not retry any more.
                self.waiting_redeliveries.pop_front();
                continue;
            }
            let send = Send {
                envelope: Arc::clone(&original.envelope),
                envelope_id: original.envelope_id.clone(),
                label: original.label.clone(),
                retry: Some((original.retry_attempt + 1, "timeout".into())),
                redeliver: true,
                generation: original.generation + 1,
                required: true,
            };
            if self.deliver(now, Target::Any, send).is_none() {
                break;
            }
            self.waiting_redeliveries.pop_front();
            sent = true;
        }
        sent
    }
}
