//! slackline's Socket Mode client on any runtime, with a handler that does nothing: the cost
//! measured is the client's own (read, header scan, dedupe, ack, dispatch to a handler task).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use slackline_async_driver::{Runtime, SocketModeClient};

use crate::ClientReport;

/// Runs a client on `runtime` against the fake Slack at `api_url` until `expected` envelopes
/// have been dispatched, then shuts it down (acks go out before dispatch, so all are flushed).
pub async fn run<R: Runtime>(
    kind: &str,
    runtime: R,
    api_url: &str,
    expected: u64,
) -> Result<ClientReport, slackline_async_driver::Error> {
    let dispatched = Arc::new(AtomicU64::new(0));
    let first: Arc<Mutex<Option<Instant>>> = Arc::default();
    let client_slot: Arc<Mutex<Option<slackline_async_driver::ClientHandle>>> = Arc::default();
    let (counter, first_seen, handle_slot) =
        (dispatched.clone(), first.clone(), client_slot.clone());
    let client = SocketModeClient::builder_on(runtime, crate::BENCH_TOKEN)
        .api_url(api_url)
        .concurrency(64)
        // A bench measures throughput, not a handler: never let liveness checks race the load.
        .ping_interval(Duration::from_secs(30))
        .on_envelope(move |_envelope, _responder| {
            let count = counter.fetch_add(1, Ordering::Relaxed) + 1;
            if count == 1 {
                first_seen.lock().unwrap().get_or_insert_with(Instant::now);
            }
            let handle = (count == expected)
                .then(|| handle_slot.lock().unwrap().clone())
                .flatten();
            async move {
                if let Some(handle) = handle {
                    handle.shutdown().await;
                }
            }
        })
        .build()?;
    *client_slot.lock().unwrap() = Some(client.handle());
    client.run().await?;
    let elapsed = first
        .lock()
        .unwrap()
        .map(|f| f.elapsed())
        .unwrap_or_default();
    Ok(ClientReport {
        kind: kind.to_owned(),
        acks: dispatched.load(Ordering::Relaxed),
        elapsed,
        usage: crate::resources::current(),
    })
}
