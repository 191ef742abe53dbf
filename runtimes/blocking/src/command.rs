//! What application code asks of the loop thread, through one bounded channel: acks, RTM
//! sends and shutdown. Each request carries a one-slot channel for its answer.

use crossbeam_channel::{Receiver, Sender};
use serde_json::value::RawValue;
use slackline::{AckError, RtmOutcome, SendError};

/// How many commands may wait for the loop before senders wait in turn.
pub(crate) const COMMAND_CAPACITY: usize = 256;

pub(crate) use slackline_async_driver::shared::RtmMessage;

/// An accepted RTM send: its id and, unless it is silent, where its outcome arrives.
pub(crate) type RtmQueued = (u64, Option<Receiver<RtmOutcome>>);

#[derive(Debug)]
pub(crate) enum Command {
    Ack {
        envelope_id: String,
        payload: Option<Box<RawValue>>,
        /// `None` for a fire-and-forget ack (a responder dropped without acking).
        reply: Option<Sender<Result<(), AckError>>>,
    },
    Rtm {
        message: RtmMessage,
        reply: Sender<Result<RtmQueued, SendError>>,
    },
    Shutdown,
}

/// Controls a running client from any thread: clone it freely.
#[derive(Clone, Debug)]
pub struct ClientHandle {
    pub(crate) commands: Sender<Command>,
}

impl ClientHandle {
    /// Starts a graceful shutdown: no new envelopes are taken, deferred acks are still sent
    /// (bounded by the shutdown timeout), running handlers may finish, every connection is
    /// closed with 1000, and `run()` returns `Ok(())`. Does nothing if the client has stopped.
    pub fn shutdown(&self) {
        let _ = self.commands.send(Command::Shutdown);
    }

    /// Like [`shutdown`](Self::shutdown), without waiting for room in the command queue;
    /// returns false if it could not be queued.
    pub fn try_shutdown(&self) -> bool {
        self.commands.try_send(Command::Shutdown).is_ok()
    }

    /// Sends a command and waits for its answer; `None` if the loop has stopped.
    pub(crate) fn request<T>(&self, make: impl FnOnce(Sender<T>) -> Command) -> Option<T> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.commands.send(make(tx)).ok()?;
        rx.recv().ok()
    }
}
