//! The workload shared by the core benches: the recorded Socket Mode envelopes
//! (`tests/data/traffic/socket-mode`, events_api / interactive / slash_commands), copied with
//! unique ids so dedupe sees fresh envelopes, fed to a live `Session` the way a driver would.

use std::time::Duration;

use bytes::Bytes;
use slackline::{AckState, Action, Config, ConnId, Event, HttpResponse, Instant, Session};

/// Distinct frames per cycle; with `STEP` of virtual time per frame a cycle outlasts the dedupe
/// window, so ids are fresh again when the cycle repeats.
pub const FRAMES: usize = 8192;
const STEP: Duration = Duration::from_millis(120);

/// The recorded envelopes (not the blanked schema samples), as received.
pub fn recorded_envelopes() -> Vec<String> {
    let dir = crate::data_dir("tests/data/traffic/socket-mode");
    let mut frames: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .filter(|(_, text)| text.contains("\"envelope_id\""))
        .collect();
    frames.sort();
    frames.into_iter().map(|(_, text)| text).collect()
}

/// `count` frames cycling through the recorded envelopes, each with its own `envelope_id` and
/// (for Events API) `event_id`, rewritten in place so the recorded bytes are otherwise unchanged.
pub fn unique_frames(count: usize) -> Vec<Bytes> {
    let recorded = recorded_envelopes();
    (0..count)
        .map(|i| {
            let text = &recorded[i % recorded.len()];
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            let mut text = text.replacen(
                &serde_json::to_string(&value["envelope_id"]).unwrap(),
                &format!("\"bench-{i:08}-0000-0000-000000000000\""),
                1,
            );
            if let Some(event_id) = value["payload"]["event_id"].as_str() {
                text = text.replacen(&format!("\"{event_id}\""), &format!("\"EvBench{i:08}\""), 1);
            }
            Bytes::from(text)
        })
        .collect()
}

pub fn mean_size(frames: &[Bytes]) -> usize {
    frames.iter().map(Bytes::len).sum::<usize>() / frames.len()
}

/// A session with one live connection, driven like a driver drives it.
pub struct Workload {
    pub session: Session,
    pub conn: ConnId,
    pub now: Instant,
    pub frames: Vec<Bytes>,
    next: usize,
}

impl Default for Workload {
    fn default() -> Self {
        Self::new()
    }
}

impl Workload {
    pub fn new() -> Self {
        let mut session = Session::new(
            Config::socket_mode("xapp-1-bench").with_seed(1),
            Instant::ZERO,
        )
        .unwrap();
        let mut conn = None;
        while let Some(action) = session.poll_action() {
            match action {
                Action::Http(request) => {
                    let body = r#"{"ok":true,"url":"wss://bench.invalid/link/?ticket=1"}"#;
                    session.handle_http_response(
                        Instant::ZERO,
                        request.id(),
                        HttpResponse::new(200, body),
                    );
                }
                Action::Connect { conn: id, .. } => {
                    session.handle_connected(Instant::ZERO, id);
                    session.handle_text(
                        Instant::ZERO,
                        id,
                        r#"{"type":"hello","num_connections":1}"#,
                    );
                    conn = Some(id);
                }
                _ => {}
            }
        }
        Workload {
            session,
            conn: conn.unwrap(),
            now: Instant::ZERO,
            frames: unique_frames(FRAMES),
            next: 0,
        }
    }

    /// One envelope in, every action out (acks written nowhere, events dropped), deferred acks
    /// given by the "app" at once, pings answered, due timers run. Returns the actions taken.
    #[inline]
    pub fn feed_one(&mut self) -> usize {
        let frame = self.frames[self.next].clone();
        self.next = (self.next + 1) % self.frames.len();
        self.now = self.now + STEP;
        if self.session.poll_timeout().is_some_and(|at| at <= self.now) {
            self.session.handle_timeout(self.now);
        }
        self.session.handle_text(self.now, self.conn, frame);
        let mut actions = 0;
        while let Some(action) = self.session.poll_action() {
            actions += 1;
            match action {
                Action::SendPing { conn, payload } => {
                    self.session.handle_pong(self.now, conn, &payload)
                }
                Action::Dispatch(Event::Envelope(envelope)) => {
                    if let AckState::AwaitingApp { .. } = envelope.ack_state() {
                        self.session.ack(self.now, &envelope.envelope_id()).unwrap();
                    }
                    std::hint::black_box(envelope);
                }
                other => {
                    std::hint::black_box(other);
                }
            }
        }
        actions
    }
}
