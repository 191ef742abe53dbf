//! Knowing when every thread of a kind has finished, with a bound: each holds a token;
//! [`Tracker::wait`] returns once the last token is dropped or the deadline passes.

use std::time::Instant;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

/// Held by a running thread; dropping it (normally or by panic) signs it off.
#[derive(Clone, Debug)]
pub(crate) struct Token(#[allow(dead_code)] Sender<()>);

#[derive(Debug)]
pub(crate) struct Tracker {
    token: Token,
    done: Receiver<()>,
}

impl Tracker {
    pub(crate) fn new() -> Self {
        let (tx, done) = crossbeam_channel::bounded(0);
        Tracker {
            token: Token(tx),
            done,
        }
    }

    pub(crate) fn token(&self) -> Token {
        self.token.clone()
    }

    /// True if every token was dropped by `deadline`.
    pub(crate) fn wait(self, deadline: Instant) -> bool {
        let Tracker { token, done } = self;
        drop(token);
        loop {
            match done.recv_deadline(deadline) {
                Ok(()) => continue,
                Err(RecvTimeoutError::Disconnected) => return true,
                Err(RecvTimeoutError::Timeout) => return false,
            }
        }
    }
}
