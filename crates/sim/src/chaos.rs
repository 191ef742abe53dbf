//! The chaos layer of the run loop: packets onto the faulty wire, and the discrete faults of a
//! [`FaultPlan`](super::FaultPlan) applied at their time, to the network, to the fake, or to
//! both ends of a connection.

use std::time::Duration;

use super::faults::{Direction, Fault, Which};
use super::network::{Fate, Packet};
use super::run::Run;
use super::Bot;
use slackline::Instant;
use slackline::{ConnId, Input};
use slackline_fake::script::{FailStep, Misbehaviour, RedeliverStep, StepAction, Target};
use slackline_fake::SocketId;

impl<B: Bot> Run<B> {
    /// Puts a packet on the wire; what the network lost or mangled counts as a disruption.
    pub(super) fn put(&mut self, packet: Packet) {
        match self.net.send(self.now, packet) {
            Fate::OnItsWay => {}
            Fate::Dropped => self.audit.disruption(self.now),
            Fate::Corrupted(original) => {
                // Its envelope may now be acked without being dispatched: not a loss.
                if let Some(id) = slackline::salvage_envelope_id(original.as_bytes()) {
                    self.chaos.corrupted_envelopes.insert(id.to_owned());
                }
                self.audit.disruption(self.now);
            }
        }
    }

    /// A frame from Slack, and sometimes a copy of it on another of the client's connections.
    pub(super) fn put_server_text(&mut self, socket: SocketId, text: String) {
        let copy = self.net.duplicates().then(|| text.clone());
        self.put(Packet::ServerText { socket, text });
        let Some(text) = copy else { return };
        let listening: Vec<ConnId> = self
            .links
            .iter()
            .filter(|l| !l.client_closed && l.socket.is_some())
            .map(|l| l.conn)
            .collect();
        let own = self.listening(socket);
        let conn = listening.iter().copied().find(|&c| Some(c) != own).or(own);
        if let Some(conn) = conn {
            self.put(Packet::StrayText { conn, text });
        }
    }

    /// Applies every fault due by now, and Slack's noticing of sockets cut earlier.
    pub(super) fn apply_due_faults(&mut self) {
        let now = self.now;
        while let Some(&(at, socket)) = self.chaos.notices.first() {
            if at > now {
                break;
            }
            self.chaos.notices.pop_first();
            // Slack drops its end: whatever the client still sends there is refused.
            if let Some(link) = self.links.iter_mut().find(|l| l.socket == Some(socket)) {
                link.cut_to_server = true;
            }
            self.fake
                .handle_closed(now, socket, None, "connection lost (no answer)");
            self.pump();
        }
        while self
            .chaos
            .pending
            .front()
            .is_some_and(|f| Instant::from_millis(f.at_ms) <= now)
        {
            let Some(timed) = self.chaos.pending.pop_front() else {
                break;
            };
            if timed.fault.is_disruptive() {
                self.audit.disruption(now);
            }
            if self.apply(timed.fault) {
                self.chaos.applied += 1;
            } else {
                self.chaos.skipped += 1;
            }
            self.pump();
        }
    }

    /// The client's `n`th open connection (oldest first, modulo their number) and its socket.
    fn pick_connection(&self, n: u8) -> Option<(ConnId, SocketId)> {
        let open: Vec<(ConnId, SocketId)> = self
            .links
            .iter()
            .filter(|l| !l.client_closed)
            .filter_map(|l| Some((l.conn, l.socket?)))
            .collect();
        (!open.is_empty()).then(|| open[usize::from(n) % open.len()])
    }

    /// Applies one fault; false if there was nothing to apply it to.
    fn apply(&mut self, fault: Fault) -> bool {
        let now = self.now;
        let target = |which: Which| match which {
            Which::Oldest => Target::Oldest,
            Which::Newest => Target::Newest,
            Which::All => Target::All,
        };
        match fault {
            Fault::Cut {
                conn,
                direction,
                server_notices_after_ms,
            } => {
                let Some((conn, socket)) = self.pick_connection(conn) else {
                    return false;
                };
                if let Some(link) = self.links.iter_mut().find(|l| l.conn == conn) {
                    link.cut_to_server |= direction != Direction::ToClient;
                    link.cut_to_client |= direction != Direction::ToServer;
                }
                if let Some(after) = server_notices_after_ms {
                    let at = now + Duration::from_millis(after);
                    self.chaos.notices.insert((at, socket));
                }
                self.audit.half_open(now, conn, &self.session);
                true
            }
            Fault::Reset { conn } => {
                let Some((conn, socket)) = self.pick_connection(conn) else {
                    return false;
                };
                if let Some(link) = self.links.iter_mut().find(|l| l.conn == conn) {
                    // Whatever is still in flight dies with the connection.
                    link.client_closed = true;
                    link.cut_to_server = true;
                    link.cut_to_client = true;
                }
                self.fake
                    .handle_closed(now, socket, None, "connection reset");
                let reason = "connection reset by peer".to_owned();
                self.feed(Input::Closed {
                    conn,
                    code: None,
                    reason,
                });
                true
            }
            Fault::Partition { duration_ms } => {
                self.net.partition(now, Duration::from_millis(duration_ms));
                true
            }
            Fault::ApiError {
                status,
                retry_after_s,
                error,
                times,
            } => self.fail(self.url_method, status, error, retry_after_s, times),
            Fault::ApiNoAnswer { times } => {
                self.chaos.swallow_url_calls += times;
                true
            }
            Fault::HandshakeFailure { status, times } => {
                self.fail("websocket", status, None, None, times)
            }
            Fault::Disconnect { reason, socket } => self.fake.inject(
                now,
                StepAction::Disconnect {
                    reason,
                    target: target(socket),
                    frame: None,
                },
            ),
            Fault::ServerClose { code, socket } => self.fake.inject(
                now,
                StepAction::Close {
                    target: target(socket),
                    code,
                    reason: "closed by the server".into(),
                },
            ),
            Fault::Silence { socket } => self.fake.inject(
                now,
                StepAction::Silence {
                    target: target(socket),
                },
            ),
            Fault::RefreshAfterHello {
                reason,
                duration_ms,
            } => self.misbehave(Misbehaviour::RefreshAfterHello { reason }, duration_ms),
            Fault::Echo { duration_ms } => self.misbehave(Misbehaviour::Echo, duration_ms),
            Fault::ConnectionTime { secs, duration_ms } => {
                self.misbehave(Misbehaviour::ConnectionTime { secs }, duration_ms)
            }
            Fault::Redeliver {
                label,
                new_envelope_id,
            } => self.fake.inject(
                now,
                StepAction::Redeliver(RedeliverStep {
                    label,
                    retry_attempt: None,
                    retry_reason: "timeout".into(),
                    new_envelope_id,
                    elsewhere: false,
                    target: Target::Any,
                }),
            ),
        }
    }

    fn misbehave(&mut self, behaviour: Misbehaviour, duration_ms: u64) -> bool {
        let duration = Duration::from_millis(duration_ms);
        self.fake.inject(
            self.now,
            StepAction::Misbehave {
                behaviour,
                duration,
            },
        )
    }

    fn fail(
        &mut self,
        endpoint: &str,
        status: u16,
        error: Option<String>,
        retry_after_s: Option<u64>,
        times: u32,
    ) -> bool {
        let step = FailStep {
            endpoint: endpoint.to_owned(),
            status,
            error,
            retry_after: retry_after_s.map(Duration::from_secs),
            body: None,
            times: times.max(1),
        };
        self.fake.inject(self.now, StepAction::Fail(step))
    }
}
