//! Runs application handlers beside the loop, never inside it: a fixed pool of threads takes
//! work from a bounded queue (one thread in ordered mode, so handlers run one at a time in
//! arrival order). When the queue is full the loop stops taking network input.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crossbeam_channel::Receiver;
use slackline::AckState;
use slackline_client::{
    HandlerStats, RtmHandler, RtmRoutes, SharedDedupe, SocketModeDispatch, Work,
};

use crate::client::Blocking;
use crate::command::ClientHandle;
use crate::responder::Responder;
use crate::rtm_handle::RtmHandle;
use crate::tracker::Tracker;

/// The handler tables of either protocol.
#[derive(Clone)]
pub(crate) enum Router {
    SocketMode(SocketModeDispatch<Blocking>),
    Rtm(RtmRoutes<RtmHandler<Blocking>>),
}

impl Router {
    /// Runs the handler for `work`, if one wants it (a deferred envelope nobody handles has
    /// its responder dropped, which acks it at once). With shared dedupe, only once this
    /// thread has won the envelope's claim (or the store was unavailable).
    fn run(&self, work: Work, client: &ClientHandle, dedupe: Option<&SharedDedupe>) {
        match (self, work) {
            (Router::SocketMode(dispatch), Work::Envelope(envelope)) => {
                let pending = matches!(envelope.ack_state(), AckState::AwaitingApp { .. });
                let responder =
                    Responder::new(envelope.envelope_id().into_owned(), pending, client.clone());
                if let Ok(routed) = dispatch.route(envelope, responder) {
                    // A lost claim drops the responder: a deferred envelope is acked bare.
                    if dedupe.is_none_or(|dedupe| dedupe.claim_blocking(routed.envelope())) {
                        routed.call();
                    }
                }
            }
            (Router::Rtm(routes), Work::Rtm(event)) => {
                if let Some(handler) = routes.find(&event) {
                    handler(
                        event,
                        RtmHandle {
                            client: client.clone(),
                        },
                    );
                }
            }
            _ => {}
        }
    }
}

/// Starts `threads` workers; each signs off on `tracker` when the queue closes and empties.
pub(crate) fn start_pool(
    router: Router,
    client: ClientHandle,
    threads: usize,
    work: Receiver<Work>,
    tracker: &Tracker,
    stats: &HandlerStats,
    dedupe: Option<SharedDedupe>,
) {
    for i in 0..threads.max(1) {
        let (router, client, work, token, stats, dedupe) = (
            router.clone(),
            client.clone(),
            work.clone(),
            tracker.token(),
            stats.clone(),
            dedupe.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name(format!("slack-handler-{i}"))
            .spawn(move || {
                for item in work.iter() {
                    let span = tracing::debug_span!("slack_handler");
                    let _entered = span.enter();
                    // A panicking handler is logged, counted and forgotten; the pool thread lives
                    // on (and a deferred envelope's responder, dropped, acks it).
                    if catch_unwind(AssertUnwindSafe(|| {
                        router.run(item, &client, dedupe.as_ref())
                    }))
                    .is_err()
                    {
                        stats.panicked();
                    }
                }
                drop(token);
            });
        if let Err(error) = spawned {
            tracing::error!(%error, "could not start a handler thread");
        }
    }
}
