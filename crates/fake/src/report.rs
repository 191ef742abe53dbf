//! Turning the fake's records into a [`Verdict`].

use super::deliveries::Delivery;
use super::{
    AckOutcome, DeliveryReport, FakeSlack, Summary, UploadReport, Verdict, Violation, ViolationKind,
};
use slackline::Instant;

impl FakeSlack {
    fn outcome(&self, d: &Delivery, now: Instant) -> AckOutcome {
        match d.acked_at {
            Some(at) if at <= d.deadline => AckOutcome::Acked,
            Some(_) => AckOutcome::Late,
            None if now < d.deadline && !d.expired => AckOutcome::Pending,
            None if !d.required => AckOutcome::NotOwed,
            None => {
                // Its socket went silent or was closed (by either side: clients leave when told
                // to disconnect) before the deadline: it is Slack's redelivery that covers it.
                let socket = self.index(d.socket).map(|i| &self.sockets[i]);
                let lost = socket.is_some_and(|s| s.gone_by(d.deadline));
                if lost {
                    AckOutcome::Lost
                } else {
                    AckOutcome::Missing
                }
            }
        }
    }

    pub(crate) fn build_verdict(&self) -> Verdict {
        let now = self.now;
        let ms = |at: Instant| self.elapsed_ms(at);
        let mut summary = Summary::default();
        let mut late_or_missing = Vec::new();
        let envelopes: Vec<DeliveryReport> = self
            .deliveries
            .iter()
            .map(|d| {
                let outcome = self.outcome(d, now);
                summary.delivered += 1;
                summary.redeliveries += u64::from(d.redelivery);
                summary.acks_with_payload += u64::from(d.ack_payload);
                summary.duplicate_acks += u64::from(d.duplicate_acks);
                let latency = d
                    .acked_at
                    .map(|at| at.saturating_duration_since(d.delivered_at));
                let latency_ms = latency.map(|l| u64::try_from(l.as_millis()).unwrap_or(u64::MAX));
                match outcome {
                    AckOutcome::Acked => summary.acked += 1,
                    AckOutcome::Late => {
                        summary.late += 1;
                        late_or_missing.push(Violation {
                            at_ms: ms(d.acked_at.unwrap_or(now)),
                            kind: ViolationKind::LateAck {
                                envelope_id: d.envelope_id.clone(),
                                label: d.label.clone(),
                                latency_ms: latency_ms.unwrap_or(0),
                            },
                        });
                    }
                    AckOutcome::Missing => {
                        summary.missing += 1;
                        late_or_missing.push(Violation {
                            at_ms: ms(d.deadline),
                            kind: ViolationKind::MissingAck {
                                envelope_id: d.envelope_id.clone(),
                                label: d.label.clone(),
                            },
                        });
                    }
                    AckOutcome::Lost => summary.lost += 1,
                    AckOutcome::NotOwed => {}
                    AckOutcome::Pending => summary.pending += 1,
                }
                DeliveryReport {
                    envelope_id: d.envelope_id.clone(),
                    label: d.label.clone(),
                    kind: d.envelope.kind().to_owned(),
                    event_id: d.envelope.event_id().map(str::to_owned),
                    retry_attempt: d.retry_attempt,
                    accepts_response_payload: d.envelope.accepts_response_payload(),
                    socket: d.socket.get(),
                    delivered_ms: ms(d.delivered_at),
                    outcome,
                    acked_ms: d.acked_at.map(ms),
                    ack_latency_ms: latency_ms,
                    ack_socket: d.ack_socket.map(|s| s.get()),
                    ack_payload: d.ack_payload,
                    response_payload: d.response_payload.clone(),
                    duplicate_acks: d.duplicate_acks,
                }
            })
            .collect();
        summary.unknown_acks = self
            .violations
            .iter()
            .filter(|v| matches!(v.kind, ViolationKind::UnknownAck { .. }))
            .count() as u64;
        let mut violations = self.violations.clone();
        let mut violation_counts = self.violation_counts.clone();
        let mut violations_total: u64 = violation_counts.values().sum();
        for v in late_or_missing {
            *violation_counts
                .entry(v.kind.name().to_owned())
                .or_default() += 1;
            violations_total += 1;
            match self.config.report_limits {
                Some(limits) if violations.len() >= limits.violations => {}
                Some(limits) => violations.push(Violation {
                    at_ms: v.at_ms,
                    kind: v.kind.clipped(limits.text),
                }),
                None => violations.push(v),
            }
        }
        let finished = self.finished_at.is_some();
        Verdict {
            ok: finished && violations_total == 0,
            violations_total,
            violation_counts,
            finished,
            script: self.script.header().name.clone(),
            elapsed_ms: ms(now),
            summary,
            envelopes,
            connections: self.connections.clone(),
            http: self.http.clone(),
            rtm: self.rtm.clone(),
            posted: self.posted.clone(),
            calls: self.calls.records.clone(),
            calls_unrecorded: self.calls.unrecorded,
            uploads: self
                .workspace
                .uploads
                .iter()
                .map(|u| UploadReport {
                    file_id: u.file_id.clone(),
                    filename: slackline::redact_tokens(&u.filename).into_owned(),
                    length: u.length,
                    received: u.received,
                    completed: u.completed,
                    channel: u.shared_in.clone(),
                    reserved_ms: u.reserved_ms,
                })
                .collect(),
            violations,
        }
    }
}
