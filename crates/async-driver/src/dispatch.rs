//! Runs application handlers beside the drive loop, never inside it: the loop hands work over
//! a bounded queue and goes back to reading; this task starts handlers under a concurrency
//! limit (or one after another, in ordered mode). When the queue is full the loop stops
//! reading from Slack, so back-pressure reaches TCP instead of growing memory.
//!
//! A handler is polled once here first and gets a task of its own only if it then waits on
//! something: most handlers of a busy bot finish at once (or hand the envelope on), and a
//! task per envelope was a third of the dispatch cost.

use std::future::poll_fn;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

use futures_util::task::AtomicWaker;
use futures_util::FutureExt;
use tracing::Instrument;

use slackline::AckState;
use slackline_client::{
    BoxFuture, Concurrency, HandlerStats, RtmHandler, RtmRoutes, SharedDedupe, SocketModeDispatch,
    Work,
};

use crate::client::AsyncKind;
use crate::command::ClientHandle;
use crate::responder::Responder;
use crate::rtm_handle::RtmHandle;
use crate::runtime::{Dispatched, Runtime};
use crate::tasks::TaskToken;
use crate::work_queue::WorkReceiver;

/// The handler tables of either protocol.
pub(crate) enum Router<R: Runtime> {
    SocketMode(SocketModeDispatch<AsyncKind<R>>),
    Rtm(RtmRoutes<RtmHandler<AsyncKind<R>>>),
}

impl<R: Runtime> Router<R> {
    /// The handler call for `work`, or `None` if no handler wants it (a deferred envelope's
    /// responder is dropped, which acks it at once). With shared dedupe, the call claims the
    /// envelope first and runs the handler only if the claim was won (or the store was
    /// unavailable). The runtime sees every call first ([`Runtime::watch_handler`]).
    fn start(
        &self,
        work: Work,
        client: &ClientHandle,
        runtime: &R,
        dedupe: Option<&SharedDedupe>,
    ) -> Option<BoxFuture<'static, ()>> {
        let (call, wrap) = match (self, work) {
            (Router::SocketMode(dispatch), Work::Envelope(envelope)) => {
                let pending = matches!(envelope.ack_state(), AckState::AwaitingApp { .. });
                let responder =
                    Responder::new(envelope.envelope_id_bytes(), pending, client.clone());
                let routed = match dispatch.route(envelope, responder) {
                    Ok(routed) => routed,
                    Err(envelope) => {
                        runtime.watch_handler(Dispatched::Envelope(&envelope), false);
                        return None;
                    }
                };
                let wrap = runtime.watch_handler(Dispatched::Envelope(routed.envelope()), true);
                let call = match dedupe {
                    None => routed.call()?,
                    Some(dedupe) => {
                        let claim = dedupe.claim(routed.envelope());
                        // The handler is called only once the claim is won: a lost one drops
                        // it uncalled, and with it the responder (a deferred envelope is acked
                        // bare).
                        Box::pin(async move {
                            if claim.await {
                                if let Some(call) = routed.call() {
                                    call.await;
                                }
                            }
                        })
                    }
                };
                (call, wrap)
            }
            (Router::Rtm(routes), Work::Rtm(event)) => {
                let Some(handler) = routes.find(&event) else {
                    runtime.watch_handler(Dispatched::Rtm(&event), false);
                    return None;
                };
                let wrap = runtime.watch_handler(Dispatched::Rtm(&event), true);
                let handle = RtmHandle {
                    client: client.clone(),
                };
                (handler(event, handle), wrap)
            }
            _ => return None,
        };
        Some(match wrap {
            Some(wrap) => wrap(call),
            None => call,
        })
    }
}

/// Lifecycle events, observed on the dispatcher in order with the handlers' work.
pub(crate) type InOrderObserver = Box<dyn FnMut(slackline::Event) + Send>;

pub(crate) struct Dispatcher<R: Runtime> {
    pub(crate) runtime: R,
    /// Gets the lifecycle events the loop hands over as work ([`Work::Event`]).
    pub(crate) observer: Option<InOrderObserver>,
    pub(crate) router: Router<R>,
    /// Panics are counted here.
    pub(crate) stats: HandlerStats,
    pub(crate) client: ClientHandle,
    pub(crate) concurrency: Concurrency,
    pub(crate) work: WorkReceiver<Work>,
    /// Claims taken before envelopes are dispatched, if the app shares dedupe.
    pub(crate) shared_dedupe: Option<SharedDedupe>,
    /// Cloned into every handler task, so shutdown can wait for all of them.
    pub(crate) token: TaskToken,
}

impl<R: Runtime> Dispatcher<R> {
    /// Runs until the work queue is closed and drained.
    pub(crate) async fn run(mut self) {
        let slots = match self.concurrency {
            Concurrency::Limit(n) => Some(Slots::new(n.max(1))),
            _ => None,
        };
        while let Some(work) = self.work.next().await {
            let work = match (work, &mut self.observer) {
                (Work::Event(event), Some(observer)) => {
                    observer(event);
                    continue;
                }
                (work, _) => work,
            };
            let Some(call) = self.router.start(
                work,
                &self.client,
                &self.runtime,
                self.shared_dedupe.as_ref(),
            ) else {
                continue;
            };
            let span = tracing::debug_span!("slack_handler");
            match &slots {
                None => guarded(call, span, &self.stats).await,
                Some(slots) => {
                    // A handler may go on waiting after its first poll: it starts only when it
                    // could have a slot, so no more than the limit ever wait at once.
                    slots.free().await;
                    // The first poll happens here: a handler with nothing to wait for (or
                    // that only hands its envelope on) finishes without a task or a slot.
                    let Some(call) = first_poll(call, &span, &self.stats).await else {
                        continue;
                    };
                    // It waits on something: it goes on on its own task (a pinned, boxed
                    // future moves freely; its first poll there registers that task's waker).
                    let (slot, token) = (slots.take(), self.token.clone());
                    let stats = self.stats.clone();
                    self.runtime.spawn(Box::pin(async move {
                        guarded(call, span, &stats).await;
                        drop((slot, token));
                    }));
                }
            }
        }
    }
}

/// The handlers that may wait on something at once: a count of free slots. The dispatcher is
/// the only taker, so a slot it saw free is still free when it takes it; a task gives its slot
/// back when it ends. (A semaphore did the same with a permit taken and returned, and a waiter
/// list notified, for every envelope, even those that never wait.)
struct Slots {
    free: AtomicUsize,
    dispatcher: AtomicWaker,
}

/// A slot held by a handler task.
struct Slot(Arc<Slots>);

impl Slots {
    fn new(limit: usize) -> Arc<Self> {
        Arc::new(Slots {
            free: AtomicUsize::new(limit),
            dispatcher: AtomicWaker::new(),
        })
    }

    /// Returns once a slot is free.
    async fn free(&self) {
        poll_fn(|cx| {
            if self.free.load(Ordering::Acquire) > 0 {
                return Poll::Ready(());
            }
            self.dispatcher.register(cx.waker());
            // A slot given back between the check and the registration woke no one.
            if self.free.load(Ordering::Acquire) > 0 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }

    /// Takes a slot that [`free`](Self::free) found.
    fn take(self: &Arc<Self>) -> Slot {
        self.free.fetch_sub(1, Ordering::AcqRel);
        Slot(Arc::clone(self))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.free.fetch_add(1, Ordering::AcqRel);
        self.0.dispatcher.wake();
    }
}

/// Polls a handler once on the dispatcher's task; `None` if it has finished (or panicked).
async fn first_poll(
    mut call: BoxFuture<'static, ()>,
    span: &tracing::Span,
    stats: &HandlerStats,
) -> Option<BoxFuture<'static, ()>> {
    let done = std::future::poll_fn(|cx| {
        let polled =
            span.in_scope(|| std::panic::catch_unwind(AssertUnwindSafe(|| call.as_mut().poll(cx))));
        Poll::Ready(match polled {
            Ok(Poll::Ready(())) => true,
            Ok(Poll::Pending) => false,
            Err(_) => {
                span.in_scope(|| stats.panicked());
                true
            }
        })
    })
    .await;
    (!done).then_some(call)
}

/// A panicking handler is logged, counted and forgotten; it takes neither the dispatcher nor
/// the client down with it.
async fn guarded(call: BoxFuture<'static, ()>, span: tracing::Span, stats: &HandlerStats) {
    async move {
        if AssertUnwindSafe(call).catch_unwind().await.is_err() {
            stats.panicked();
        }
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Waker};

    use super::*;
    use crate::work_queue::tests::CountingWaker;

    #[test]
    fn a_slot_given_back_wakes_the_waiting_dispatcher() {
        let woken = Arc::new(CountingWaker::default());
        let waker = Waker::from(woken.clone());
        let mut cx = Context::from_waker(&waker);
        let slots = Slots::new(1);
        assert!(pin!(slots.free()).poll(&mut cx).is_ready());
        let slot = slots.take();
        let mut waiting = pin!(slots.free());
        assert!(
            waiting.as_mut().poll(&mut cx).is_pending(),
            "the only slot is taken"
        );
        drop(slot);
        assert_eq!(woken.0.load(Ordering::SeqCst), 1);
        assert!(waiting.as_mut().poll(&mut cx).is_ready());
    }
}
