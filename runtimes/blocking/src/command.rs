//! The application's way into a running client: one bounded channel of [`Command`]s, each
//! answered through a one-slot channel.

use crossbeam_channel::{Receiver, Sender};
use slackline_client::{Command, Reply};

/// How many commands may wait for the loop before senders wait in turn.
pub(crate) const COMMAND_CAPACITY: usize = 256;

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

    /// Sends the command `make` builds around a reply and waits for the reply; `None` if the
    /// loop has stopped.
    pub(crate) fn ask<T: Send + 'static>(
        &self,
        make: impl FnOnce(Reply<T>) -> Command,
    ) -> Option<T> {
        let (reply, answer) = reply_channel();
        self.commands.send(make(reply)).ok()?;
        answer.recv().ok()
    }
}

/// A [`Reply`] and where its answer arrives.
pub(crate) fn reply_channel<T: Send + 'static>() -> (Reply<T>, Receiver<T>) {
    let (tx, rx) = crossbeam_channel::bounded(1);
    let reply: Reply<T> = Box::new(move |value| {
        let _ = tx.send(value);
    });
    (reply, rx)
}
