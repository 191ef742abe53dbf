//! Knowing when every task of a kind has finished, without counting by hand: each task holds a
//! [`TaskToken`]; [`TaskTracker::wait`] returns once the last token is dropped.

use std::convert::Infallible;

use futures_channel::mpsc;
use futures_util::StreamExt;

/// Held by a running task; dropping it (normally, by panic or by cancellation) signs it off.
#[derive(Clone, Debug)]
pub(crate) struct TaskToken(#[allow(dead_code)] mpsc::Sender<Infallible>);

#[derive(Debug)]
pub(crate) struct TaskTracker {
    token: Option<TaskToken>,
    done: mpsc::Receiver<Infallible>,
}

impl TaskTracker {
    pub(crate) fn new() -> Self {
        let (tx, rx) = mpsc::channel(0);
        TaskTracker {
            token: Some(TaskToken(tx)),
            done: rx,
        }
    }

    pub(crate) fn token(&self) -> TaskToken {
        // `token` is only taken by `wait`, which consumes the tracker.
        self.token
            .clone()
            .unwrap_or_else(|| TaskToken(mpsc::channel(0).0))
    }

    /// Returns once every token handed out has been dropped.
    pub(crate) async fn wait(mut self) {
        self.token = None;
        while self.done.next().await.is_some() {}
    }
}
