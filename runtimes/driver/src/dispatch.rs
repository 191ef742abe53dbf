//! Runs application handlers beside the drive loop, never inside it: the loop hands work over
//! a bounded queue and goes back to reading; this task starts handlers under a concurrency
//! limit (or one after another, in ordered mode). When the queue is full the loop stops
//! reading from Slack, so back-pressure reaches TCP instead of growing memory.
//!
//! A handler is polled once here first and gets a task of its own only if it then waits on
//! something: most handlers of a busy bot finish at once (or hand the envelope on), and a
//! task per envelope was a third of the dispatch cost.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::Poll;

use async_lock::Semaphore;
use futures_util::FutureExt;
use tracing::Instrument;

use crate::command::ClientHandle;
use crate::router::{Router, Work};
use crate::runtime::{BoxFuture, Runtime};
use crate::tasks::TaskToken;
use crate::work_queue::WorkReceiver;

/// How handlers run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Concurrency {
    /// Up to this many handlers at once, each on its own task once it waits on something.
    Limit(usize),
    /// One at a time, in arrival order.
    Ordered,
}

pub(crate) struct Dispatcher<R> {
    pub(crate) runtime: R,
    pub(crate) router: Router,
    pub(crate) client: ClientHandle,
    pub(crate) concurrency: Concurrency,
    pub(crate) work: WorkReceiver<Work>,
    /// Cloned into every handler task, so shutdown can wait for all of them.
    pub(crate) token: TaskToken,
}

impl<R: Runtime> Dispatcher<R> {
    /// Runs until the work queue is closed and drained.
    pub(crate) async fn run(self) {
        let permits = match self.concurrency {
            Concurrency::Limit(n) => Some(Arc::new(Semaphore::new(n.max(1)))),
            Concurrency::Ordered => None,
        };
        while let Some(work) = self.work.next().await {
            let Some(call) = self.router.start(work, &self.client) else {
                continue;
            };
            let span = tracing::debug_span!("slack_handler");
            match &permits {
                None => guarded(call, span).await,
                Some(permits) => {
                    let permit = permits.acquire_arc().await;
                    // The first poll happens here: a handler with nothing to wait for (or
                    // that only hands its envelope on) finishes without a task of its own.
                    let Some(call) = first_poll(call, &span).await else {
                        continue;
                    };
                    // It waits on something: it goes on on its own task (a pinned, boxed
                    // future moves freely; its first poll there registers that task's waker).
                    let token = self.token.clone();
                    self.runtime.spawn(Box::pin(async move {
                        guarded(call, span).await;
                        drop((permit, token));
                    }));
                }
            }
        }
    }
}

/// Polls a handler once on the dispatcher's task; `None` if it has finished (or panicked).
async fn first_poll(
    mut call: BoxFuture<'static, ()>,
    span: &tracing::Span,
) -> Option<BoxFuture<'static, ()>> {
    let done = std::future::poll_fn(|cx| {
        let polled =
            span.in_scope(|| std::panic::catch_unwind(AssertUnwindSafe(|| call.as_mut().poll(cx))));
        Poll::Ready(match polled {
            Ok(Poll::Ready(())) => true,
            Ok(Poll::Pending) => false,
            Err(_) => {
                tracing::error!(parent: span, "a handler panicked");
                true
            }
        })
    })
    .await;
    (!done).then_some(call)
}

/// A panicking handler is logged and forgotten; it takes neither the dispatcher nor the
/// client down with it.
async fn guarded(call: BoxFuture<'static, ()>, span: tracing::Span) {
    async move {
        if AssertUnwindSafe(call).catch_unwind().await.is_err() {
            tracing::error!("a handler panicked");
        }
    }
    .instrument(span)
    .await
}
