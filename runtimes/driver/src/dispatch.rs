//! Runs application handlers beside the drive loop, never inside it: the loop hands work over
//! a bounded queue and goes back to reading; this task starts handlers under a concurrency
//! limit (or one after another, in ordered mode). When the queue is full the loop stops
//! reading from Slack, so back-pressure reaches TCP instead of growing memory.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use async_lock::Semaphore;
use futures_channel::mpsc;
use futures_util::{FutureExt, StreamExt};
use tracing::Instrument;

use crate::command::ClientHandle;
use crate::router::{Router, Work};
use crate::runtime::{BoxFuture, Runtime};
use crate::tasks::TaskToken;

/// How handlers run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Concurrency {
    /// Up to this many handlers at once, each on its own task.
    Limit(usize),
    /// One at a time, in arrival order.
    Ordered,
}

pub(crate) struct Dispatcher<R> {
    pub(crate) runtime: R,
    pub(crate) router: Router,
    pub(crate) client: ClientHandle,
    pub(crate) concurrency: Concurrency,
    pub(crate) work: mpsc::Receiver<Work>,
    /// Cloned into every handler task, so shutdown can wait for all of them.
    pub(crate) token: TaskToken,
}

impl<R: Runtime> Dispatcher<R> {
    /// Runs until the work queue is closed and drained.
    pub(crate) async fn run(mut self) {
        let permits = match self.concurrency {
            Concurrency::Limit(n) => Some(Arc::new(Semaphore::new(n.max(1)))),
            Concurrency::Ordered => None,
        };
        while let Some(work) = self.work.next().await {
            let Some(call) = self.router.start(work, &self.client) else {
                continue;
            };
            let call = guarded(call);
            match &permits {
                None => call.await,
                Some(permits) => {
                    let permit = permits.acquire_arc().await;
                    let token = self.token.clone();
                    self.runtime.spawn(Box::pin(async move {
                        call.await;
                        drop((permit, token));
                    }));
                }
            }
        }
    }
}

/// A panicking handler is logged and forgotten; it takes neither the dispatcher nor the
/// client down with it.
fn guarded(call: BoxFuture<'static, ()>) -> BoxFuture<'static, ()> {
    let span = tracing::debug_span!("slack_handler");
    Box::pin(
        async move {
            if AssertUnwindSafe(call).catch_unwind().await.is_err() {
                tracing::error!("a handler panicked");
            }
        }
        .instrument(span),
    )
}
