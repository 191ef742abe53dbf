//! Playing the script: steps in order, each at its time, waiting for a connection when it
//! needs one.

use std::sync::Arc;

use super::deliveries::Send;
use super::ids::SocketId;
use super::script::{StepAction, Target, Timing, WaitFor};
use super::socket::{pick, Socket, SocketKind};
use super::{FakeSlack, Output};
use slackline::Instant;

impl FakeSlack {
    /// Plays every step that is due and not waiting; true if any played.
    pub(crate) fn play_steps(&mut self, now: Instant) -> bool {
        let mut played = false;
        while self.ended_at.is_none() {
            if self.cursor >= self.script.steps().len() {
                self.ended_at = Some(now);
                break;
            }
            if now < self.step_at {
                self.step_blocked = false;
                break;
            }
            if !self.play(now) {
                self.step_blocked = true;
                break;
            }
            played = true;
            self.step_blocked = false;
            self.cursor += 1;
            if let Some(next) = self.script.steps().get(self.cursor) {
                self.step_at = match next.timing {
                    Timing::At(at) => (self.start + at).max(now),
                    Timing::After(after) => now + after,
                };
            }
        }
        played
    }

    /// Indices of the sockets `target` picks among those `eligible`.
    fn targets(&mut self, target: Target, eligible: impl Fn(&Socket) -> bool) -> Vec<usize> {
        let candidates: Vec<&Socket> = self.sockets.iter().filter(|s| eligible(s)).collect();
        let target = match target {
            // Only envelopes take turns; other steps go to the current (oldest) connection.
            Target::Any => Target::Oldest,
            other => other,
        };
        pick(&candidates, target, &mut self.round_robin)
            .into_iter()
            .filter_map(|id| self.index(id))
            .collect()
    }

    fn has_ready(&self, kind: SocketKind) -> bool {
        self.sockets.iter().any(|s| s.kind == kind && s.is_ready())
    }

    /// For a redelivery `elsewhere`: every socket that carried `label`, or, if no other is
    /// ready, only the first delivery's.
    fn sockets_to_avoid(&self, label: &str) -> Vec<SocketId> {
        let carried: Vec<SocketId> = self
            .deliveries
            .iter()
            .filter(|d| d.label == label)
            .map(|d| d.socket)
            .collect();
        let other_ready = self
            .sockets
            .iter()
            .any(|s| s.kind == SocketKind::SocketMode && s.is_ready() && !carried.contains(&s.id));
        match (other_ready, carried.first()) {
            (false, Some(&first)) => vec![first],
            _ => carried,
        }
    }

    /// Plays the step at the cursor; false if it has to wait.
    fn play(&mut self, now: Instant) -> bool {
        let action = self.script.steps()[self.cursor].action.clone();
        self.play_action(now, action)
    }

    /// Plays `action` now, out of the script's order: what a test injects as a fault (a
    /// `disconnect`, an armed Web API failure, a redelivery, a server close...). False when
    /// there was nothing to act on (no socket ready for it); it is not retried. `wait` and
    /// `end` belong to the script's own flow and do nothing here.
    pub fn inject(&mut self, now: Instant, action: StepAction) -> bool {
        let now = self.clock(now);
        let played = match action {
            StepAction::Wait(_) | StepAction::End => false,
            action => self.play_action(now, action),
        };
        self.advance(now);
        played
    }

    /// Plays one action; false if it has to wait.
    fn play_action(&mut self, now: Instant, action: StepAction) -> bool {
        match action {
            StepAction::Envelope(step) => {
                if !self.has_ready(SocketKind::SocketMode) {
                    return false;
                }
                let envelope_id = match step.envelope.envelope_id() {
                    Some(id) => id.to_owned(),
                    None => self.ids.uuid(),
                };
                // A file sent as is may lack a `type`: not an envelope, so no ack is owed.
                let required = !step.envelope.kind().is_empty();
                let send = Send {
                    envelope: Arc::new(step.envelope),
                    envelope_id,
                    label: step.label,
                    retry: None,
                    redeliver: step.redeliver.unwrap_or(self.script.header().redeliver),
                    generation: 0,
                    required,
                };
                self.deliver(now, step.target, send).is_some()
            }
            StepAction::Redeliver(step) => {
                if !self.has_ready(SocketKind::SocketMode) {
                    return false;
                }
                let Some(last) = self.deliveries.iter().rposition(|d| d.label == step.label) else {
                    // The labelled envelope never went out; nothing to repeat.
                    return true;
                };
                let avoid = if step.elsewhere {
                    self.sockets_to_avoid(&step.label)
                } else {
                    Vec::new()
                };
                let last = &self.deliveries[last];
                let attempt = step.retry_attempt.unwrap_or(last.retry_attempt + 1);
                let envelope = Arc::clone(&last.envelope);
                let label = last.label.clone();
                let generation = last.generation + 1;
                let envelope_id = if step.new_envelope_id {
                    self.ids.uuid()
                } else {
                    last.envelope_id.clone()
                };
                let send = Send {
                    envelope,
                    envelope_id,
                    label,
                    retry: Some((attempt, step.retry_reason)),
                    redeliver: self.script.header().redeliver,
                    generation,
                    required: true,
                };
                self.deliver_avoiding(now, step.target, send, &avoid)
                    .is_some()
            }
            StepAction::Hello { target } => {
                let chosen = self.targets(target, |s| s.is_open() && !s.greeted);
                for &i in &chosen {
                    self.greet(now, i);
                }
                !chosen.is_empty()
            }
            StepAction::Disconnect {
                reason,
                target,
                frame,
            } => {
                let chosen =
                    self.targets(target, |s| s.kind == SocketKind::SocketMode && s.is_ready());
                for &i in &chosen {
                    self.send_disconnect(now, i, &reason, frame.as_deref(), true);
                }
                !chosen.is_empty()
            }
            StepAction::Silence { target } => {
                let chosen = self.targets(target, Socket::is_ready);
                for &i in &chosen {
                    self.silence_socket(now, i);
                }
                !chosen.is_empty()
            }
            StepAction::Close {
                target,
                code,
                reason,
            } => {
                let chosen = self.targets(target, Socket::is_ready);
                for &i in &chosen {
                    self.close_socket(now, i, code, &reason);
                }
                !chosen.is_empty()
            }
            StepAction::Ping { target } => {
                let chosen = self.targets(target, Socket::is_ready);
                for &i in &chosen {
                    let s = &mut self.sockets[i];
                    s.ping_seq += 1;
                    let payload = s.ping_seq.to_be_bytes().to_vec();
                    let socket = s.id;
                    self.connections.server_pings += 1;
                    self.outputs.push_back(Output::SendPing { socket, payload });
                }
                !chosen.is_empty()
            }
            StepAction::Raw { text, target } => {
                let chosen = self.targets(target, Socket::is_ready);
                for &i in &chosen {
                    let socket = self.sockets[i].id;
                    self.send_raw(now, socket, &text);
                }
                !chosen.is_empty()
            }
            StepAction::Rtm { text, target } => {
                let chosen = self.targets(target, |s| s.kind == SocketKind::Rtm && s.is_ready());
                for &i in &chosen {
                    let socket = self.sockets[i].id;
                    self.rtm.events += 1;
                    self.send_text(socket, text.clone());
                }
                !chosen.is_empty()
            }
            StepAction::Goodbye { target } => {
                let chosen = self.targets(target, |s| s.kind == SocketKind::Rtm && s.is_ready());
                for &i in &chosen {
                    self.send_goodbye(now, i);
                }
                !chosen.is_empty()
            }
            StepAction::Fail(step) => {
                self.arm_failure(&step);
                true
            }
            StepAction::Misbehave {
                behaviour,
                duration,
            } => {
                self.misbehaving.start(behaviour, now + duration);
                true
            }
            StepAction::Stub(step) => {
                self.stubs.arm(&step);
                true
            }
            StepAction::Wait(WaitFor::Call {
                method,
                count,
                with,
            }) => self.calls.count(&method, &with) >= count,
            StepAction::Wait(WaitFor::Acks) => {
                self.deliveries_settled(now) && self.waiting_redeliveries.is_empty()
            }
            StepAction::Wait(WaitFor::Connections(n)) => {
                let ready = self
                    .sockets
                    .iter()
                    .filter(|s| s.is_ready() && !s.told_to_leave)
                    .count();
                ready >= n
            }
            StepAction::End => {
                self.ended_at = Some(now);
                true
            }
        }
    }
}
