//! The application's way into a running client: one bounded channel of [`Command`]s, each
//! answered through a one-shot channel.

use std::sync::Arc;

use futures_channel::{mpsc, oneshot};
use futures_util::SinkExt;
use slackline_client::{Command, Reply};

/// How many commands may wait for the loop before senders wait in turn.
pub(crate) const COMMAND_CAPACITY: usize = 256;

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

    /// Whether both handles control the same client.
    pub(crate) fn same_client(&self, other: &ClientHandle) -> bool {
        Arc::ptr_eq(&self.commands, &other.commands)
    }

    /// Queues bare acks for the drive loop without waiting. Best effort, as a dropped
    /// responder's ack: if the queue is full, the session's ack deadline still covers them.
    pub(crate) fn send_acks(&self, envelope_ids: Vec<String>) {
        let _ = self.sender().try_send(Command::Acks(envelope_ids));
    }

    pub(crate) fn sender(&self) -> mpsc::Sender<Command> {
        mpsc::Sender::clone(&self.commands)
    }

    /// Sends the command `make` builds around a reply, and waits for the reply; `None` if the
    /// client stopped first.
    pub(crate) async fn ask<T: Send + 'static>(
        &self,
        make: impl FnOnce(Reply<T>) -> Command,
    ) -> Option<T> {
        let (reply, answer) = reply_channel();
        self.sender().send(make(reply)).await.ok()?;
        answer.await.ok()
    }
}

/// A [`Reply`] and where its answer arrives.
pub(crate) fn reply_channel<T: Send + 'static>() -> (Reply<T>, oneshot::Receiver<T>) {
    let (tx, rx) = oneshot::channel();
    let reply: Reply<T> = Box::new(move |value| {
        let _ = tx.send(value);
    });
    (reply, rx)
}
