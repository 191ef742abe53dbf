//! What application code asks of the drive loop, through one bounded channel: acks, RTM sends
//! and shutdown. Each request carries a oneshot for its answer.

use std::sync::Arc;

use futures_channel::{mpsc, oneshot};
use futures_util::SinkExt;
use serde_json::value::RawValue;
use slackline::{AckError, Instant, RtmOutcome, SendError, Session};

/// How many commands may wait for the loop before senders wait in turn.
pub(crate) const COMMAND_CAPACITY: usize = 256;

/// An RTM message to queue (both this crate's loop and the blocking one carry it).
#[derive(Debug)]
pub enum RtmMessage {
    /// `send_message`.
    Message {
        /// The channel id.
        channel: String,
        /// The message text.
        text: String,
    },
    /// `typing`.
    Typing {
        /// The channel id.
        channel: String,
    },
    /// An app-level ping.
    Ping,
    /// Any other RTM frame.
    Raw(serde_json::Value),
}

impl RtmMessage {
    /// Queues it in the session; its id.
    pub fn send(&self, session: &mut Session, now: Instant) -> Result<u64, SendError> {
        match self {
            RtmMessage::Message { channel, text } => session.send_message(now, channel, text),
            RtmMessage::Typing { channel } => session.send_typing(now, channel),
            RtmMessage::Ping => session.send_ping(now, &serde_json::Value::Null),
            RtmMessage::Raw(value) => session.send_rtm(now, value),
        }
    }

    /// Whether nobody awaits its outcome (Slack does not answer `typing`).
    pub fn is_silent(&self) -> bool {
        matches!(self, RtmMessage::Typing { .. })
    }
}

/// The app's ack of `envelope_id`, with its response payload if it has one.
pub fn ack(
    session: &mut Session,
    now: Instant,
    envelope_id: &str,
    payload: Option<&RawValue>,
) -> Result<(), AckError> {
    match payload {
        Some(payload) => session.ack_with(now, envelope_id, payload),
        None => session.ack(now, envelope_id),
    }
}

/// What an accepted RTM send returns: its id and, unless it is silent, where its outcome arrives.
pub(crate) type RtmQueued = (u64, Option<oneshot::Receiver<RtmOutcome>>);

#[derive(Debug)]
pub(crate) enum Command {
    Ack {
        envelope_id: String,
        payload: Option<Box<RawValue>>,
        /// `None` for a fire-and-forget ack (a responder dropped without acking).
        reply: Option<oneshot::Sender<Result<(), AckError>>>,
    },
    Rtm {
        message: RtmMessage,
        reply: oneshot::Sender<Result<RtmQueued, SendError>>,
    },
    Shutdown,
}

/// Controls a running client from anywhere: clone it freely.
#[derive(Clone, Debug)]
pub struct ClientHandle {
    /// Shared, not cloned per handle: a clone of a bounded sender allocates (and reserves a
    /// slot of its own), and every envelope's responder carries a handle. Senders are cloned
    /// where they are used, which is rare.
    pub(crate) commands: Arc<mpsc::Sender<Command>>,
}

impl ClientHandle {
    /// Starts a graceful shutdown: no new envelopes are taken, deferred acks are still sent
    /// (bounded by the shutdown timeout), running handlers may finish, every connection is
    /// closed with 1000, and `run()` returns `Ok(())`. Does nothing if the client has stopped.
    pub async fn shutdown(&self) {
        let _ = self.sender().send(Command::Shutdown).await;
    }

    /// Like [`shutdown`](Self::shutdown), without waiting for room in the command queue
    /// (for signal handlers and `Drop`); returns false if it could not be queued.
    pub fn try_shutdown(&self) -> bool {
        self.sender().try_send(Command::Shutdown).is_ok()
    }

    pub(crate) fn sender(&self) -> mpsc::Sender<Command> {
        mpsc::Sender::clone(&self.commands)
    }

    pub(crate) async fn request<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.sender().send(make(tx)).await.ok()?;
        rx.await.ok()
    }
}
