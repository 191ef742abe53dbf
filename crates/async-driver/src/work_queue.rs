//! The hand-off from the drive loop to the handler dispatcher: one shared queue.
//!
//! It replaced a bounded channel plus a backlog in front of it. A futures channel allocates a
//! node per message and moves the work twice more (into the backlog, out of the node); here
//! the loop pushes straight into the queue the dispatcher pops from. The queue is bounded by
//! the loop, not by `push`: the loop stops reading from Slack while [`WorkSender::is_full`]
//! says so (back-pressure reaches TCP), and one step's frames may go a little past the mark.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// A queue that holds `capacity` items before the loop pauses its reading.
pub(crate) fn work_queue<T>(capacity: usize) -> (WorkSender<T>, WorkReceiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::with_capacity(capacity.min(1024)),
            capacity: capacity.max(1),
            dispatcher: None,
            loop_waiting: None,
            closed: false,
            receiver_gone: false,
        }),
    });
    (
        WorkSender {
            shared: shared.clone(),
        },
        WorkReceiver { shared },
    )
}

struct Shared<T> {
    state: Mutex<State<T>>,
}

impl<T> Shared<T> {
    /// Nothing runs user code under this lock, so a poisoned one still holds a sound queue.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `change` under the lock, then wakes the waker it hands back, once the lock is
    /// released (a wake may run executor code).
    fn change<R>(&self, change: impl FnOnce(&mut State<T>) -> (R, Option<Waker>)) -> R {
        let (result, waker) = change(&mut self.lock());
        if let Some(waker) = waker {
            waker.wake();
        }
        result
    }
}

struct State<T> {
    items: VecDeque<T>,
    capacity: usize,
    /// The dispatcher, waiting for work.
    dispatcher: Option<Waker>,
    /// The loop, waiting for room.
    loop_waiting: Option<Waker>,
    /// No more work will come: the dispatcher ends once the queue is empty.
    closed: bool,
    receiver_gone: bool,
}

fn register(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(waker) if waker.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
    }
}

/// The drive loop's end.
pub(crate) struct WorkSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> WorkSender<T> {
    /// Queues `work` for the handlers; false if the dispatcher is gone (the work is dropped).
    pub(crate) fn push(&self, work: T) -> bool {
        self.shared.change(|state| {
            if state.receiver_gone {
                return (false, None);
            }
            state.items.push_back(work);
            (true, state.dispatcher.take())
        })
    }

    /// Whether the handlers are behind; if so the loop is woken when room frees up.
    pub(crate) fn is_full(&self, cx: &Context<'_>) -> bool {
        let mut state = self.shared.lock();
        let full = state.items.len() >= state.capacity && !state.receiver_gone;
        if full {
            register(&mut state.loop_waiting, cx);
        }
        full
    }

    /// No more work: the dispatcher finishes what is queued, then ends.
    pub(crate) fn close(&self) {
        self.shared.change(|state| {
            state.closed = true;
            ((), state.dispatcher.take())
        });
    }
}

impl<T> Drop for WorkSender<T> {
    fn drop(&mut self) {
        self.close();
    }
}

/// The dispatcher's end.
pub(crate) struct WorkReceiver<T> {
    shared: Arc<Shared<T>>,
}

impl<T> WorkReceiver<T> {
    /// The next item in arrival order; `None` once the queue is closed and empty.
    pub(crate) async fn next(&self) -> Option<T> {
        poll_fn(|cx| self.poll_next(cx)).await
    }

    fn poll_next(&self, cx: &Context<'_>) -> Poll<Option<T>> {
        self.shared.change(|state| match state.items.pop_front() {
            Some(item) => {
                // Room again: the loop may read.
                let room = state.items.len() < state.capacity;
                let waker = if room {
                    state.loop_waiting.take()
                } else {
                    None
                };
                (Poll::Ready(Some(item)), waker)
            }
            None if state.closed => (Poll::Ready(None), None),
            None => {
                register(&mut state.dispatcher, cx);
                (Poll::Pending, None)
            }
        })
    }
}

impl<T> Drop for WorkReceiver<T> {
    fn drop(&mut self) {
        self.shared.change(|state| {
            state.receiver_gone = true;
            state.items.clear();
            ((), state.loop_waiting.take())
        });
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    use super::*;

    /// A waker that counts its wakes (shared with the other modules' tests).
    #[derive(Default)]
    pub(crate) struct CountingWaker(pub(crate) AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn items_arrive_in_order_and_room_wakes_the_loop() {
        let (tx, rx) = work_queue::<u32>(2);
        let loop_waker = Arc::new(CountingWaker::default());
        let loop_cx = Waker::from(loop_waker.clone());
        let loop_cx = Context::from_waker(&loop_cx);
        let dispatcher = Arc::new(CountingWaker::default());
        let dispatcher_waker = Waker::from(dispatcher.clone());
        let dispatcher_cx = Context::from_waker(&dispatcher_waker);

        assert!(rx.poll_next(&dispatcher_cx).is_pending());
        assert!(tx.push(1));
        assert_eq!(
            dispatcher.0.load(Ordering::SeqCst),
            1,
            "the waiting dispatcher is woken"
        );
        assert!(!tx.is_full(&loop_cx));
        assert!(tx.push(2));
        assert!(tx.push(3), "the loop bounds the queue, not push");
        assert!(tx.is_full(&loop_cx));

        assert_eq!(rx.poll_next(&dispatcher_cx), Poll::Ready(Some(1)));
        assert_eq!(loop_waker.0.load(Ordering::SeqCst), 0, "still at the mark");
        assert_eq!(rx.poll_next(&dispatcher_cx), Poll::Ready(Some(2)));
        assert_eq!(
            loop_waker.0.load(Ordering::SeqCst),
            1,
            "room: the loop is woken"
        );
        assert!(!tx.is_full(&loop_cx));

        tx.close();
        assert_eq!(rx.poll_next(&dispatcher_cx), Poll::Ready(Some(3)));
        assert_eq!(rx.poll_next(&dispatcher_cx), Poll::Ready(None));
    }

    #[test]
    fn a_gone_dispatcher_neither_blocks_the_loop_nor_keeps_work() {
        let (tx, rx) = work_queue::<u32>(1);
        let waker = Waker::from(Arc::new(CountingWaker::default()));
        let cx = Context::from_waker(&waker);
        assert!(tx.push(1));
        assert!(tx.is_full(&cx));
        drop(rx);
        assert!(!tx.is_full(&cx));
        assert!(!tx.push(2));
    }
}
