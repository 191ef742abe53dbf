//! Acks and dispatches: deliveries counted from the wire (or from what the session reports),
//! acks counted from the frames it sends, deadlines of the acks the app owns, and envelopes
//! dispatched twice within the dedupe window.

use super::{Audit, Rule};
use slackline::ConnId;
use slackline::Instant;
use slackline::LateAckPolicy;
use slackline::Session;

/// Deliveries and acks of one `envelope_id`.
#[derive(Debug, Default)]
pub(super) struct AckBook {
    pub(super) delivered: u32,
    pub(super) acked: u32,
    /// Deliveries whose ack could not be sent (no connection), as the session reported.
    pub(super) excused: u32,
    /// Deadlines of deliveries the app acks.
    pub(super) deferred: Vec<Instant>,
}

impl AckBook {
    pub(super) fn unacked(&self) -> u32 {
        self.delivered.saturating_sub(self.acked + self.excused)
    }

    /// Deliveries that may still be waiting for their ack at `now`.
    pub(super) fn may_wait(&self, now: Instant, policy: LateAckPolicy) -> u32 {
        let waiting = match policy {
            LateAckPolicy::AutoAck => self.deferred.iter().filter(|&&d| d >= now).count(),
            _ => self.deferred.len(),
        };
        u32::try_from(waiting).unwrap_or(u32::MAX)
    }
}

impl Audit {
    /// A frame the session wrote that does not read as what it should be (shown redacted).
    pub(super) fn malformed_output(&mut self, now: Instant, text: &str) {
        let shown = slackline::redact_tokens(text).chars().take(200).collect();
        self.breach(now, Rule::MalformedOutput, shown);
    }

    pub(super) fn ack_sent(&mut self, now: Instant, text: &str) {
        #[derive(serde::Deserialize)]
        struct Ack {
            envelope_id: String,
        }
        let Ok(ack) = serde_json::from_str::<Ack>(text) else {
            return self.malformed_output(now, text);
        };
        self.acks.entry(ack.envelope_id.clone()).or_default().acked += 1;
        // Acks go out before the dispatch that reports the delivery: compared after the drain.
        self.acked_in_drain.insert(ack.envelope_id);
    }

    /// A frame is about to be handed to the session on `conn`. Telling the audit makes it
    /// count deliveries from the wire (every Socket Mode frame that reads as an envelope, with
    /// an `envelope_id` and a `type`, is owed an ack) instead of from what the session reports.
    pub fn received(&mut self, conn: ConnId, frame: &[u8], session: &Session) {
        self.wire = true;
        self.frame_counted = false;
        if self.rtm_interval.is_some()
            || session.is_draining()
            || session.is_stopped()
            || !session.connections().any(|c| c.id == conn)
        {
            // RTM has no acks; a draining session leaves envelopes to Slack's redelivery.
            return;
        }
        #[derive(serde::Deserialize)]
        struct Head {
            envelope_id: Option<serde_json::Value>,
            #[serde(rename = "type")]
            kind: Option<serde_json::Value>,
        }
        let Ok(head) = serde_json::from_slice::<Head>(frame) else {
            return;
        };
        let id = match head.envelope_id {
            Some(serde_json::Value::String(id)) => id,
            _ => return,
        };
        // Without a `type` it is not an envelope (an ack echoed back, say): nothing is owed.
        let kind = head.kind.as_ref().and_then(|k| k.as_str());
        let control = matches!(kind, None | Some("" | "hello" | "disconnect"));
        // An id too long for an ack within Slack's frame limit cannot be acked.
        let ackable =
            !id.is_empty() && id.len() + 18 <= slackline::Config::SOCKET_MODE_MAX_OUTBOUND;
        if !control && ackable {
            self.count_delivery(&id);
            self.frame_counted = true;
        }
    }

    /// The session reported a delivery (dispatched, duplicate, or salvaged from a broken
    /// frame). Counted unless the wire count already has the frame: the session reads some
    /// frames the wire count cannot (a payload it leaves unparsed), never fewer.
    pub(super) fn delivered(&mut self, envelope_id: &str, deferred: Option<Instant>) {
        if !self.wire || !self.frame_counted {
            self.count_delivery(envelope_id);
            self.frame_counted = self.wire;
        }
        let book = self.acks.entry(envelope_id.to_owned()).or_default();
        book.deferred.extend(deferred);
        if book.unacked() > 0 {
            self.outstanding.insert(envelope_id.to_owned());
        }
    }

    pub(super) fn count_delivery(&mut self, envelope_id: &str) {
        let book = self.acks.entry(envelope_id.to_owned()).or_default();
        book.delivered += 1;
        if book.unacked() > 0 {
            self.outstanding.insert(envelope_id.to_owned());
        }
    }

    pub(super) fn check_acks(&mut self, now: Instant) {
        for id in std::mem::take(&mut self.acked_in_drain) {
            let Some(book) = self.acks.get(&id) else {
                continue;
            };
            let (acked, delivered) = (book.acked, book.delivered);
            if book.unacked() == 0 {
                self.outstanding.remove(&id);
            }
            if acked > delivered {
                let detail = format!("{id} acked {acked} times for {delivered} deliveries");
                self.breach(now, Rule::AckedTooOften, detail);
            }
        }
        let mut late = Vec::new();
        for id in &self.outstanding {
            let Some(book) = self.acks.get(id) else {
                continue;
            };
            if book.unacked() > book.may_wait(now, self.late_ack) {
                let detail = format!(
                    "{id}: {} deliveries, {} acks, deferred deadlines {:?}",
                    book.delivered, book.acked, book.deferred
                );
                late.push((id.clone(), detail));
            }
        }
        for (id, detail) in late {
            // Reported once: the ledger is settled so the next drain does not repeat it.
            if let Some(book) = self.acks.get_mut(&id) {
                book.excused += book.unacked();
            }
            self.outstanding.remove(&id);
            self.breach(now, Rule::AckMissing, detail);
        }
    }

    pub(super) fn dispatch_once(&mut self, now: Instant, key: String) {
        let Some(window) = self.dedupe_window else {
            return;
        };
        if let Some(&before) = self.dispatched.get(&key) {
            if now - before < window {
                let detail = format!(
                    "{key} dispatched again {:?} after the first time",
                    now - before
                );
                self.breach(now, Rule::DispatchedTwice, detail);
            }
        }
        self.dispatched.insert(key, now);
    }
}
