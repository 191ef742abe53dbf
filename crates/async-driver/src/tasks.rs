//! Knowing when every task of a kind has finished, without counting by hand: each task holds a
//! [`TaskToken`]; [`TaskTracker::wait`] returns once the last token is dropped. A token is a
//! reference count (no allocation per clone: one is handed to every handler task).

use std::future::poll_fn;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

use futures_util::task::AtomicWaker;

#[derive(Debug, Default)]
struct Live {
    tokens: AtomicUsize,
    waiter: AtomicWaker,
}

/// Held by a running task; dropping it (normally, by panic or by cancellation) signs it off.
#[derive(Debug)]
pub(crate) struct TaskToken(Arc<Live>);

impl TaskToken {
    fn new(live: &Arc<Live>) -> Self {
        live.tokens.fetch_add(1, Ordering::Relaxed);
        TaskToken(Arc::clone(live))
    }
}

impl Clone for TaskToken {
    fn clone(&self) -> Self {
        TaskToken::new(&self.0)
    }
}

impl Drop for TaskToken {
    fn drop(&mut self) {
        // AcqRel: what the task did happens before the waiter sees the count reach zero.
        if self.0.tokens.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.waiter.wake();
        }
    }
}

#[derive(Debug)]
pub(crate) struct TaskTracker {
    live: Arc<Live>,
    token: Option<TaskToken>,
}

impl TaskTracker {
    pub(crate) fn new() -> Self {
        let live = Arc::new(Live::default());
        let token = Some(TaskToken::new(&live));
        TaskTracker { live, token }
    }

    pub(crate) fn token(&self) -> TaskToken {
        TaskToken::new(&self.live)
    }

    /// Returns once every token handed out has been dropped.
    pub(crate) async fn wait(mut self) {
        self.token = None;
        poll_fn(|cx| {
            if self.live.tokens.load(Ordering::Acquire) == 0 {
                return Poll::Ready(());
            }
            self.live.waiter.register(cx.waker());
            // A token dropped between the check and the registration woke no one: look again.
            if self.live.tokens.load(Ordering::Acquire) == 0 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_every_token() {
        let tracker = TaskTracker::new();
        let a = tracker.token();
        let b = a.clone();
        let late = std::thread::spawn(move || drop(b));
        drop(a);
        futures_lite::future::block_on(tracker.wait());
        late.join().unwrap();
        futures_lite::future::block_on(TaskTracker::new().wait());
    }
}
