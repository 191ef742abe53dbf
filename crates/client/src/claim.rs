//! Shared redelivery dedupe, for an app that runs as several processes: before an envelope is
//! dispatched, its key (`payload.event_id`, else `envelope_id`) is claimed in a store every
//! process shares; the process that wins the claim dispatches it, the others only acked it.
//!
//! The session's own dedupe is untouched (the core stays pure): it still suppresses what one
//! process has seen. The claim is taken by the drivers' dispatchers, beside the loop, so it
//! never holds an ack up. A store that cannot answer in time says [`Claim::Unavailable`]: the
//! envelope is dispatched on the strength of the local dedupe alone, with one warning per
//! outage and a counter ([`ClaimStats::fallbacks`]); claims resume when the store answers
//! again. `slackline-redis` has the Redis store.

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use slackline::Envelope;

use crate::builder::BoxFuture;

/// What is claimed for an envelope: `ev:` and its `payload.event_id` (the same across Slack's
/// redeliveries, whatever their `envelope_id`), else `env:` and its `envelope_id`. Never a
/// token or anything from the payload beyond the event id.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClaimKey(String);

impl ClaimKey {
    /// The key of `envelope`.
    pub fn of(envelope: &Envelope) -> Self {
        match envelope.event_id() {
            Some(event_id) => ClaimKey(format!("ev:{event_id}")),
            None => ClaimKey(format!("env:{}", envelope.envelope_id())),
        }
    }

    /// The key as text (`ev:Ev0123`, `env:1d4c…`).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClaimKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Ids are not secrets, but a hostile frame could put anything in one.
        f.write_str(&slackline::redact_tokens(&self.0))
    }
}

/// A store's answer to a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// This process has it: dispatch.
    Won,
    /// Another process claimed it within the window: it was acked here, it is not dispatched.
    Lost,
    /// The store did not answer in time (unreachable, slow, failing): dispatch, with the
    /// session's local dedupe as the only guard.
    Unavailable,
}

/// Where claims are taken: shared by every process of the app. An implementation answers
/// within a bound of its own, well inside Slack's 3-second ack deadline, and says
/// [`Claim::Unavailable`] rather than wait longer.
///
/// The future needs no particular runtime to be polled: async drivers await it on theirs, the
/// blocking driver waits for it on a handler thread (a store for the blocking driver may do
/// its IO in the first poll).
pub trait ClaimStore: Send + Sync + 'static {
    /// Claims `key` for `window` (the session's dedupe window): won if nobody holds it.
    fn claim(&self, key: ClaimKey, window: Duration) -> BoxFuture<'static, Claim>;
}

/// Counters of a [`SharedDedupe`], shared by its clones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClaimStats {
    /// Claims won: envelopes dispatched here.
    pub won: u64,
    /// Claims lost: envelopes another process had (acked here, not dispatched).
    pub lost: u64,
    /// Envelopes dispatched without a claim because the store was unavailable.
    pub fallbacks: u64,
}

#[derive(Default)]
struct Counters {
    won: AtomicU64,
    lost: AtomicU64,
    fallbacks: AtomicU64,
    /// The store is unavailable (warned once; cleared, with a line, when it answers again).
    outage: AtomicBool,
}

/// Shared dedupe as a client uses it: a [`ClaimStore`], the window and the counters. Give it
/// to [`ClientBuilder::shared_dedupe`](crate::ClientBuilder::shared_dedupe) and keep a clone
/// to read [`stats`](Self::stats).
#[derive(Clone)]
pub struct SharedDedupe {
    store: Arc<dyn ClaimStore>,
    window: Duration,
    counters: Arc<Counters>,
}

impl SharedDedupe {
    /// Claims in `store`, for the session's dedupe window (15 minutes unless the builder's
    /// `dedupe` says otherwise).
    pub fn new(store: impl ClaimStore) -> Self {
        SharedDedupe {
            store: Arc::new(store),
            window: slackline::Config::DEFAULT_DEDUPE_WINDOW,
            counters: Arc::default(),
        }
    }

    /// How long a claim holds.
    pub fn window(&self) -> Duration {
        self.window
    }

    pub(crate) fn set_window(&mut self, window: Duration) {
        self.window = window;
    }

    /// The counters so far.
    pub fn stats(&self) -> ClaimStats {
        let c = &self.counters;
        ClaimStats {
            won: c.won.load(Ordering::Relaxed),
            lost: c.lost.load(Ordering::Relaxed),
            fallbacks: c.fallbacks.load(Ordering::Relaxed),
        }
    }

    /// Whether this process should dispatch `envelope`: resolves true if the claim was won or
    /// the store was unavailable, false if another process has it.
    pub fn claim(&self, envelope: &Envelope) -> BoxFuture<'static, bool> {
        let key = ClaimKey::of(envelope);
        let claim = self.store.claim(key.clone(), self.window);
        let counters = Arc::clone(&self.counters);
        Box::pin(async move { counters.settle(&key, claim.await) })
    }

    /// [`claim`](Self::claim), waited for on the calling thread (the blocking driver's
    /// handler threads).
    pub fn claim_blocking(&self, envelope: &Envelope) -> bool {
        block_on(self.claim(envelope))
    }
}

impl Counters {
    fn settle(&self, key: &ClaimKey, claim: Claim) -> bool {
        match claim {
            Claim::Won | Claim::Lost => {
                if self.outage.swap(false, Ordering::AcqRel) {
                    let fallbacks = self.fallbacks.load(Ordering::Relaxed);
                    tracing::warn!(fallbacks, "shared dedupe is back: claims resume");
                }
                let won = claim == Claim::Won;
                let counter = if won { &self.won } else { &self.lost };
                counter.fetch_add(1, Ordering::Relaxed);
                if !won {
                    tracing::debug!(?key, "claimed by another process: acked, not dispatched");
                }
                won
            }
            Claim::Unavailable => {
                self.fallbacks.fetch_add(1, Ordering::Relaxed);
                if !self.outage.swap(true, Ordering::AcqRel) {
                    tracing::warn!(
                        "shared dedupe unavailable: dispatching with the local dedupe only \
                         (counted as fallbacks) until the store answers again"
                    );
                }
                true
            }
        }
    }
}

impl fmt::Debug for SharedDedupe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedDedupe")
            .field("window", &self.window)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// Waits for a future on this thread, parking between polls (no runtime needed).
fn block_on<T>(future: impl Future<Output = T>) -> T {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Answers from a list, and remembers what it was asked.
    struct Scripted {
        answers: Mutex<Vec<Claim>>,
        asked: Arc<Mutex<Vec<(String, Duration)>>>,
    }

    impl ClaimStore for Scripted {
        fn claim(&self, key: ClaimKey, window: Duration) -> BoxFuture<'static, Claim> {
            self.asked
                .lock()
                .unwrap()
                .push((key.as_str().to_owned(), window));
            let answer = self.answers.lock().unwrap().remove(0);
            Box::pin(async move { answer })
        }
    }

    fn envelope(frame: &str) -> Envelope {
        Envelope::from_frame(
            frame.to_owned(),
            slackline::ConnId::from_raw(1),
            slackline::Instant::ZERO,
        )
        .unwrap()
    }

    #[test]
    fn keys_are_the_event_id_else_the_envelope_id_and_unavailable_dispatches_and_counts() {
        let asked = Arc::default();
        let store = Scripted {
            answers: Mutex::new(vec![
                Claim::Won,
                Claim::Lost,
                Claim::Unavailable,
                Claim::Unavailable,
                Claim::Won,
            ]),
            asked: Arc::clone(&asked),
        };
        let dedupe = SharedDedupe::new(store);
        let event =
            envelope(r#"{"type":"events_api","envelope_id":"e-1","payload":{"event_id":"Ev1"}}"#);
        let command = envelope(r#"{"type":"slash_commands","envelope_id":"c-1","payload":{}}"#);
        assert!(dedupe.claim_blocking(&event));
        assert!(!dedupe.claim_blocking(&event));
        assert!(dedupe.claim_blocking(&command));
        assert!(dedupe.claim_blocking(&command));
        assert!(dedupe.claim_blocking(&command));
        let window = slackline::Config::DEFAULT_DEDUPE_WINDOW;
        assert_eq!(
            asked.lock().unwrap()[..3],
            [
                ("ev:Ev1".to_owned(), window),
                ("ev:Ev1".to_owned(), window),
                ("env:c-1".to_owned(), window)
            ]
        );
        let stats = dedupe.clone().stats();
        assert_eq!((stats.won, stats.lost, stats.fallbacks), (2, 1, 2));
        assert!(!dedupe.counters.outage.load(Ordering::Relaxed), "resumed");
    }
}
