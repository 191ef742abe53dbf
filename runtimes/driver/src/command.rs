//! What application code asks of the drive loop, through one bounded channel: acks, RTM sends
//! and shutdown. Each request carries a oneshot for its answer.

use futures_channel::{mpsc, oneshot};
use futures_util::SinkExt;
use serde_json::value::RawValue;
use slackline::{AckError, RtmOutcome, SendError};

/// How many commands may wait for the loop before senders wait in turn.
pub(crate) const COMMAND_CAPACITY: usize = 256;

/// An RTM message to queue.
#[derive(Debug)]
pub(crate) enum RtmMessage {
    Message { channel: String, text: String },
    Typing { channel: String },
    Ping,
    Raw(serde_json::Value),
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
    pub(crate) commands: mpsc::Sender<Command>,
}

impl ClientHandle {
    /// Starts a graceful shutdown: no new envelopes are taken, deferred acks are still sent
    /// (bounded by the shutdown timeout), running handlers may finish, every connection is
    /// closed with 1000, and `run()` returns `Ok(())`. Does nothing if the client has stopped.
    pub async fn shutdown(&self) {
        let _ = self.commands.clone().send(Command::Shutdown).await;
    }

    /// Like [`shutdown`](Self::shutdown), without waiting for room in the command queue
    /// (for signal handlers and `Drop`); returns false if it could not be queued.
    pub fn try_shutdown(&self) -> bool {
        self.commands.clone().try_send(Command::Shutdown).is_ok()
    }

    pub(crate) async fn request<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.commands.clone().send(make(tx)).await.ok()?;
        rx.await.ok()
    }
}
