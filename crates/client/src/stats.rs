//! What became of the handlers: how many ran, returned an error, panicked, and how many
//! payloads a typed route could not decode. Counted by every driver alike; read with
//! `client.stats()` while the client runs, or after.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::builder::BoxFuture;

/// The handler counters of one client (cheap to clone: every clone counts into the same ones).
#[derive(Clone, Default)]
pub struct HandlerStats(Arc<Counters>);

#[derive(Default)]
struct Counters {
    handled: AtomicU64,
    failed: AtomicU64,
    panicked: AtomicU64,
    undecodable: AtomicU64,
}

/// The counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandlerCounts {
    /// Handlers called (Socket Mode and RTM).
    pub handled: u64,
    /// Handlers that returned an error (`Err(e)`; logged at `error` with `e`).
    pub failed: u64,
    /// Handlers that panicked (logged; the client went on, and a deferred envelope was still
    /// acked).
    pub panicked: u64,
    /// Payloads a typed route was filed for that did not decode into their type (logged; the
    /// envelope went to the untyped routes instead).
    pub undecodable: u64,
}

impl HandlerStats {
    /// The counters now.
    pub fn snapshot(&self) -> HandlerCounts {
        let c = &self.0;
        HandlerCounts {
            handled: c.handled.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            panicked: c.panicked.load(Ordering::Relaxed),
            undecodable: c.undecodable.load(Ordering::Relaxed),
        }
    }

    /// A handler is called.
    pub fn handled(&self) {
        self.0.handled.fetch_add(1, Ordering::Relaxed);
    }

    /// A handler returned an error.
    pub fn failed(&self, error: &dyn fmt::Display) {
        self.0.failed.fetch_add(1, Ordering::Relaxed);
        tracing::error!(%error, "a handler returned an error");
    }

    /// A handler panicked (the driver caught it).
    pub fn panicked(&self) {
        self.0.panicked.fetch_add(1, Ordering::Relaxed);
        tracing::error!("a handler panicked");
    }

    /// A payload did not decode for a typed route.
    pub(crate) fn undecodable(&self, envelope_type: &str, error: &serde_json::Error) {
        self.0.undecodable.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            envelope_type,
            %error,
            "a payload did not decode into its type; trying the untyped routes"
        );
    }
}

impl fmt::Debug for HandlerStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.snapshot().fmt(f)
    }
}

/// What a handler may return: nothing, or a `Result` whose error is logged and counted.
pub trait HandlerOutput: Sized {
    /// Counts the outcome into `stats`.
    fn report(self, stats: &HandlerStats);

    /// An async handler's future, boxed, counting its outcome into `stats` when it ends.
    fn boxed<F>(future: F, stats: &HandlerStats) -> BoxFuture<'static, ()>
    where
        F: Future<Output = Self> + Send + 'static;
}

impl HandlerOutput for () {
    fn report(self, _: &HandlerStats) {}

    /// Nothing to count: the future as it is (no wrapper, no clone of the counters).
    fn boxed<F>(future: F, _: &HandlerStats) -> BoxFuture<'static, ()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        Box::pin(future)
    }
}

impl<E: fmt::Display> HandlerOutput for Result<(), E> {
    fn report(self, stats: &HandlerStats) {
        if let Err(error) = self {
            stats.failed(&error);
        }
    }

    fn boxed<F>(future: F, stats: &HandlerStats) -> BoxFuture<'static, ()>
    where
        F: Future<Output = Self> + Send + 'static,
    {
        let stats = stats.clone();
        Box::pin(async move { future.await.report(&stats) })
    }
}
