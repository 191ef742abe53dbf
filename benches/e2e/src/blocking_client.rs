//! slackline's Socket Mode client without an async runtime (`slackline-blocking`: a loop
//! thread, a thread per socket, a pool of handler threads), with a handler that does nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use slackline_blocking::{ClientHandle, SocketModeClient};

use crate::ClientReport;

/// Runs the client against the fake Slack at `api_url` until `expected` envelopes have been
/// dispatched, then shuts it down (acks go out before dispatch, so all are flushed).
pub fn run(api_url: &str, expected: u64) -> Result<ClientReport, slackline_blocking::Error> {
    let dispatched = Arc::new(AtomicU64::new(0));
    let first: Arc<Mutex<Option<Instant>>> = Arc::default();
    let handle_slot: Arc<OnceLock<ClientHandle>> = Arc::default();
    let (counter, first_seen, slot) = (dispatched.clone(), first.clone(), handle_slot.clone());
    let client = SocketModeClient::builder(crate::BENCH_TOKEN)
        .api_url(api_url)
        .ping_interval(Duration::from_secs(30))
        .on_envelope(move |_envelope, _responder| {
            let count = counter.fetch_add(1, Ordering::Relaxed) + 1;
            if count == 1 {
                first_seen
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert_with(Instant::now);
            }
            if count == expected {
                if let Some(handle) = slot.get() {
                    handle.shutdown();
                }
            }
        })
        .build()?;
    let _ = handle_slot.set(client.handle());
    client.run()?;
    let elapsed = first
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .map(|f| f.elapsed())
        .unwrap_or_default();
    Ok(ClientReport {
        kind: "blocking".into(),
        acks: dispatched.load(Ordering::Relaxed),
        elapsed,
        usage: crate::resources::current(),
    })
}
