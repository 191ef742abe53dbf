//! RTM inside the session: message ids and `reply_to` correlation, one-per-second pacing with
//! a bounded queue that survives reconnects, app-level ping liveness, goodbye, error frames.
//! Connections, timers and reconnects are the session's own, shared with Socket Mode.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;

use super::conn::slot;
use super::{Session, State};
use crate::action::Action;
use crate::config::Config;
use crate::dedupe::{id_key, Dedupe, IdKind};
use crate::envelope::Hello;
use crate::event::{Event, ProtocolErrorKind};
use crate::ids::ConnId;
use crate::input::RtmMessage;
use crate::rtm::{parse_frame, RtmConnected, RtmFrame, RtmOutcome, RtmReply, SendError};
use crate::time::Instant;
use crate::timer::Timer;

/// After a replacement says `hello`, events are still compared across connections this long.
const OVERLAP_TAIL: Duration = Duration::from_secs(5);
/// Remembered frames while two connections overlap.
const OVERLAP_CAPACITY: usize = 2048;

#[derive(Debug)]
struct Queued {
    id: u64,
    text: String,
    /// No outcome is reported unless Slack answers with an error (typing indicators).
    silent: bool,
}

#[derive(Debug)]
struct Awaiting {
    conn: ConnId,
    deadline: Instant,
    /// Sent on a connection that has since gone: resolved by the resume window.
    conn_lost: bool,
    silent: bool,
}

#[derive(Debug)]
pub(super) struct RtmState {
    next_id: u64,
    queue: VecDeque<Queued>,
    capacity: usize,
    send_interval: Duration,
    reply_timeout: Duration,
    resume_window: Duration,
    next_send_at: Instant,
    awaiting: BTreeMap<u64, Awaiting>,
    resume_until: Option<Instant>,
    self_id: Option<String>,
    ignore_self: bool,
    overlap_until: Option<Instant>,
    overlap_seen: Option<Dedupe>,
}

impl RtmState {
    pub(super) fn new(config: &Config) -> Self {
        RtmState {
            next_id: 1,
            queue: VecDeque::new(),
            capacity: config.rtm_queue_capacity,
            send_interval: config.rtm_send_interval,
            reply_timeout: config.rtm_reply_timeout,
            resume_window: config.rtm_resume_window,
            next_send_at: Instant::ZERO,
            awaiting: BTreeMap::new(),
            resume_until: None,
            self_id: None,
            ignore_self: config.rtm_ignore_self,
            overlap_until: None,
            overlap_seen: None,
        }
    }

    /// Ids are session-wide (not reset per connection) so a `reply_to` arriving on the next
    /// connection still finds its message.
    pub(super) fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn overlapping(&self, now: Instant) -> bool {
        self.overlap_until.is_some_and(|until| now < until)
    }
}

impl Session {
    /// RTM: queues a message for `channel`; returns its id. Its outcome arrives as
    /// [`Event::RtmReply`] with that id.
    pub fn send_message(
        &mut self,
        now: Instant,
        channel: &str,
        text: &str,
    ) -> Result<u64, SendError> {
        self.send_rtm(
            now,
            &serde_json::json!({ "type": "message", "channel": channel, "text": text }),
        )
    }

    /// RTM: queues a typing indicator for `channel` (no outcome is reported unless Slack
    /// answers with an error).
    pub fn send_typing(&mut self, now: Instant, channel: &str) -> Result<u64, SendError> {
        let frame = serde_json::json!({ "type": "typing", "channel": channel });
        self.enqueue_rtm(now, &frame, true)
    }

    /// RTM: queues an application ping; `extra` fields come back in the pong (its
    /// [`RtmOutcome::Ok`] `raw` frame).
    pub fn send_ping<T: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        extra: &T,
    ) -> Result<u64, SendError> {
        let mut frame = object_of(extra)?;
        frame.insert("type".into(), "ping".into());
        self.enqueue_rtm(now, &serde_json::Value::Object(frame), false)
    }

    /// RTM: queues `message` ([`Input::Rtm`](crate::Input::Rtm)); returns its id.
    pub(super) fn send_rtm_message(
        &mut self,
        now: Instant,
        message: &RtmMessage,
    ) -> Result<u64, SendError> {
        match message {
            RtmMessage::Message { channel, text } => self.send_message(now, channel, text),
            RtmMessage::Typing { channel } => self.send_typing(now, channel),
            RtmMessage::Ping => self.send_ping(now, &serde_json::Value::Null),
            RtmMessage::Raw(value) => self.send_rtm(now, value),
        }
    }

    /// RTM: queues any client message (an object with a `type`); the session adds the `id`.
    pub fn send_rtm<T: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        message: &T,
    ) -> Result<u64, SendError> {
        self.enqueue_rtm(now, message, false)
    }

    fn enqueue_rtm<T: Serialize + ?Sized>(
        &mut self,
        now: Instant,
        message: &T,
        silent: bool,
    ) -> Result<u64, SendError> {
        let now = self.advance(now);
        if self.state != State::Running {
            return Err(SendError::Stopped);
        }
        let mut frame = object_of(message)?;
        let rtm = self.rtm.as_mut().ok_or(SendError::NotRtm)?;
        let id = rtm.next_id;
        frame.insert("id".into(), id.into());
        let text = serde_json::Value::Object(frame).to_string();
        if text.len() > Config::RTM_MAX_MESSAGE {
            return Err(SendError::TooLarge {
                len: text.len(),
                limit: Config::RTM_MAX_MESSAGE,
            });
        }
        if rtm.queue.len() >= rtm.capacity {
            return Err(SendError::QueueFull);
        }
        rtm.next_id += 1;
        rtm.queue.push_back(Queued { id, text, silent });
        self.settle(now);
        Ok(id)
    }

    /// The connection RTM messages go out on: the newest live one not being replaced.
    fn rtm_conn(&self) -> Option<ConnId> {
        let live = || self.conns.iter().rev().filter(|c| c.is_live());
        live()
            .find(|c| !c.retiring)
            .or_else(|| live().next())
            .map(|c| c.id)
    }

    /// Sends the next queued message if a connection is live and pacing allows.
    pub(super) fn rtm_pump(&mut self, now: Instant) {
        let Some(conn) = self.rtm_conn() else { return };
        let Some(rtm) = self.rtm.as_mut() else { return };
        if now < rtm.next_send_at {
            return;
        }
        let Some(message) = rtm.queue.pop_front() else {
            return;
        };
        rtm.next_send_at = now + rtm.send_interval;
        let waiting = Awaiting {
            conn,
            deadline: now + rtm.reply_timeout,
            conn_lost: false,
            silent: message.silent,
        };
        rtm.awaiting.insert(message.id, waiting);
        self.stats.rtm_sent += 1;
        self.push(Action::SendText {
            conn,
            text: message.text,
        });
    }

    pub(super) fn rtm_next_deadline(&self) -> Option<(Timer, Instant)> {
        let rtm = self.rtm.as_ref()?;
        let send = (!rtm.queue.is_empty() && self.rtm_conn().is_some())
            .then_some((Timer::RtmSend, rtm.next_send_at));
        let replies = rtm
            .awaiting
            .values()
            .filter(|a| !a.conn_lost)
            .map(|a| a.deadline)
            .min();
        let reply = replies
            .into_iter()
            .chain(rtm.resume_until)
            .min()
            .map(|at| (Timer::RtmReply, at));
        let overlap = rtm
            .overlap_until
            .filter(|&at| at != Instant::MAX)
            .map(|at| (Timer::RtmReply, at));
        send.into_iter()
            .chain(reply)
            .chain(overlap)
            .min_by_key(|&(_, at)| at)
    }

    pub(super) fn rtm_timeouts(&mut self, now: Instant) {
        let Some(rtm) = self.rtm.as_mut() else { return };
        let resume_over = rtm.resume_until.is_some_and(|at| at <= now);
        if resume_over {
            rtm.resume_until = None;
        }
        if rtm.overlap_until.is_some_and(|at| at <= now) {
            rtm.overlap_until = None;
            rtm.overlap_seen = None;
        }
        let mut resolved = Vec::new();
        rtm.awaiting.retain(|&id, a| {
            let outcome = if a.conn_lost && resume_over {
                RtmOutcome::Lost
            } else if !a.conn_lost && a.deadline <= now {
                RtmOutcome::TimedOut
            } else {
                return true;
            };
            if !a.silent {
                resolved.push(RtmReply { id, outcome });
            }
            false
        });
        for reply in resolved {
            self.dispatch(Event::RtmReply(reply));
        }
    }

    /// Messages sent on `conn` may still be answered on the next connection (Slack replays the
    /// last `reply_to`); they wait for the resume window after the next `hello`.
    pub(super) fn rtm_connection_gone(&mut self, conn: ConnId) {
        if let Some(rtm) = self.rtm.as_mut() {
            rtm.awaiting
                .values_mut()
                .filter(|a| a.conn == conn)
                .for_each(|a| a.conn_lost = true);
        }
    }

    pub(super) fn rtm_begin_overlap(&mut self, now: Instant) {
        let _ = now;
        if let Some(rtm) = self.rtm.as_mut() {
            rtm.overlap_until = Some(Instant::MAX);
            rtm.overlap_seen
                .get_or_insert_with(|| Dedupe::new(Duration::from_secs(3600), OVERLAP_CAPACITY));
        }
    }

    pub(super) fn rtm_granted(&mut self, grant: &RtmConnected) {
        if let Some(rtm) = self.rtm.as_mut() {
            if let Some(me) = grant.self_id() {
                rtm.self_id = Some(me.to_owned());
            }
        }
    }

    pub(super) fn rtm_connection_live(&mut self, now: Instant) {
        let Some(rtm) = self.rtm.as_mut() else { return };
        if rtm.awaiting.values().any(|a| a.conn_lost) {
            rtm.resume_until = Some(now + rtm.resume_window);
        }
        if rtm.overlap_until == Some(Instant::MAX) {
            rtm.overlap_until = Some(now + OVERLAP_TAIL);
        }
    }

    /// Shutdown: queued messages will never be sent.
    pub(super) fn rtm_drop_queue(&mut self) {
        let Some(rtm) = self.rtm.as_mut() else { return };
        let dropped: Vec<u64> = rtm
            .queue
            .drain(..)
            .filter(|q| !q.silent)
            .map(|q| q.id)
            .collect();
        for id in dropped {
            self.dispatch(Event::RtmReply(RtmReply {
                id,
                outcome: RtmOutcome::NotSent,
            }));
        }
    }

    /// Stop: everything unanswered is reported.
    pub(super) fn rtm_drop_all(&mut self) {
        self.rtm_drop_queue();
        let Some(rtm) = self.rtm.as_mut() else { return };
        let lost: Vec<u64> = std::mem::take(&mut rtm.awaiting)
            .into_iter()
            .filter(|(_, a)| !a.silent)
            .map(|(id, _)| id)
            .collect();
        for id in lost {
            self.dispatch(Event::RtmReply(RtmReply {
                id,
                outcome: RtmOutcome::Lost,
            }));
        }
    }

    pub(super) fn on_rtm_frame(&mut self, now: Instant, i: usize, frame: Bytes) {
        let conn = self.conns[i].id;
        let (parsed, user) = match parse_frame(conn, frame.clone(), now) {
            Ok(parsed) => parsed,
            Err(detail) => {
                return self.protocol_error(conn, ProtocolErrorKind::Malformed(detail), None, frame)
            }
        };
        match parsed {
            RtmFrame::Hello => {
                let hello = Hello {
                    conn,
                    num_connections: None,
                    approximate_connection_time: None,
                    app_id: None,
                    host: None,
                    build_number: None,
                };
                self.on_hello(now, i, hello);
            }
            RtmFrame::Goodbye => {
                self.dispatch(Event::Goodbye { conn });
                self.retire(i, now);
            }
            RtmFrame::Reply { reply_to, outcome } => self.on_rtm_reply(i, reply_to, outcome, frame),
            RtmFrame::Error { code, msg } => self.dispatch(Event::RtmError {
                conn,
                code,
                msg,
                raw: frame,
            }),
            // Slack calls `reconnect_url` experimental and unsupported; URLs are single-use anyway.
            RtmFrame::ReconnectUrl => {}
            RtmFrame::Untyped => {
                self.protocol_error(conn, ProtocolErrorKind::UnknownType(None), None, frame)
            }
            RtmFrame::Event(event) => {
                if !self.conns[i].is_live() {
                    self.protocol_error(conn, ProtocolErrorKind::BeforeHello, None, frame.clone());
                }
                let Some(rtm) = self.rtm.as_mut() else { return };
                if rtm.overlapping(now) {
                    let key = id_key(IdKind::RtmFrame, &frame);
                    if rtm
                        .overlap_seen
                        .as_mut()
                        .is_some_and(|seen| seen.check_and_insert(now, &[key]))
                    {
                        self.stats.rtm_overlap_duplicates += 1;
                        return;
                    }
                }
                if rtm.ignore_self && user.is_some() && user == rtm.self_id {
                    self.stats.rtm_self_skipped += 1;
                    return;
                }
                self.stats.rtm_events += 1;
                self.dispatch(Event::Rtm(event));
            }
        }
    }

    fn on_rtm_reply(&mut self, i: usize, reply_to: u64, outcome: RtmOutcome, frame: Bytes) {
        // Any reply at or after the liveness ping proves the round trip.
        let c = &mut self.conns[i];
        let conn = c.id;
        let liveness_ping = c.outstanding_ping;
        if liveness_ping.is_some_and(|ping| reply_to >= ping) {
            c.outstanding_ping = None;
            c.timers.clear(slot::PONG);
        }
        let Some(rtm) = self.rtm.as_mut() else { return };
        match rtm.awaiting.remove(&reply_to) {
            Some(waiting) => {
                if let RtmOutcome::Failed { code: -1, .. } = outcome {
                    // "slow down, too many messages": give Slack's rate limiter room.
                    rtm.next_send_at = rtm.next_send_at + rtm.send_interval * 2;
                }
                let failed = matches!(outcome, RtmOutcome::Failed { .. });
                if !waiting.silent || failed {
                    self.dispatch(Event::RtmReply(RtmReply {
                        id: reply_to,
                        outcome,
                    }));
                }
            }
            // Our own liveness pings, and replies after their message timed out.
            None if reply_to < rtm.next_id => {}
            None => self.protocol_error(
                conn,
                ProtocolErrorKind::UnexpectedReply(reply_to),
                None,
                frame,
            ),
        }
    }
}

fn object_of<T: Serialize + ?Sized>(
    value: &T,
) -> Result<serde_json::Map<String, serde_json::Value>, SendError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(serde_json::Value::Null) => Ok(serde_json::Map::new()),
        Ok(other) => Err(SendError::Invalid(format!(
            "expected a JSON object, got {other}"
        ))),
        Err(e) => Err(SendError::Invalid(e.to_string())),
    }
}
