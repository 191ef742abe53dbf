//! slackline's Socket Mode client on any runtime, with a handler that does nothing: the cost
//! measured is the client's own (read, header scan, dedupe, ack, dispatch to a handler task).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use slackline_async_driver::{listen, BoxFuture, ClientHandle, Runtime, SocketModeClient};

use crate::ClientReport;

/// Which handlers the client has besides the catch-all that counts (every variant dispatches
/// every envelope to a handler that does nothing but count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routes {
    /// The catch-all alone (`tokio`, `smol`, ...).
    CatchAll,
    /// Untyped routes under keys this traffic never has (`on_event("reaction_added")`,
    /// `on_command("/never")`): each envelope's routing key is read, nothing else.
    Untyped,
    /// Typed routes under the same absent keys: the routing key is read, no payload decoded.
    Typed,
    /// Typed routes under every key of this traffic they can be filed under (its events,
    /// `block_actions`, `block_suggestion`, views, shortcuts) matching none: those envelopes'
    /// payloads are decoded whole, then go to the catch-all.
    DecodeAll,
}

/// Counts dispatches; the last one shuts the client down.
#[derive(Clone)]
struct Counter {
    dispatched: Arc<AtomicU64>,
    first: Arc<Mutex<Option<Instant>>>,
    client: Arc<Mutex<Option<ClientHandle>>>,
    expected: u64,
}

impl Counter {
    /// A handler (of any argument types) that counts.
    fn handler<A, B>(&self) -> impl Fn(A, B) -> BoxFuture<'static, ()> + Send + Sync + 'static {
        let counter = self.clone();
        move |_, _| counter.count()
    }

    fn count(&self) -> BoxFuture<'static, ()> {
        let count = self.dispatched.fetch_add(1, Ordering::Relaxed) + 1;
        if count == 1 {
            self.first.lock().unwrap().get_or_insert_with(Instant::now);
        }
        let handle = (count == self.expected)
            .then(|| self.client.lock().unwrap().clone())
            .flatten();
        Box::pin(async move {
            if let Some(handle) = handle {
                handle.shutdown().await;
            }
        })
    }
}

/// Runs a client on `runtime` against the fake Slack at `api_url` until `expected` envelopes
/// have been dispatched, then shuts it down (acks go out before dispatch, so all are flushed).
pub async fn run<R: Runtime>(
    kind: &str,
    runtime: R,
    api_url: &str,
    expected: u64,
) -> Result<ClientReport, slackline_async_driver::Error> {
    run_with(kind, runtime, api_url, expected, Routes::CatchAll).await
}

/// [`run`] with more routes than the catch-all.
pub async fn run_with<R: Runtime>(
    kind: &str,
    runtime: R,
    api_url: &str,
    expected: u64,
    routes: Routes,
) -> Result<ClientReport, slackline_async_driver::Error> {
    let counter = Counter {
        dispatched: Arc::default(),
        first: Arc::default(),
        client: Arc::default(),
        expected,
    };
    let (dispatched, first, client_slot) = (
        counter.dispatched.clone(),
        counter.first.clone(),
        counter.client.clone(),
    );
    let mut builder = SocketModeClient::builder_on(runtime, crate::BENCH_TOKEN)
        .api_url(api_url)
        .concurrency(64)
        // A bench measures throughput, not a handler: never let liveness checks race the load.
        .ping_interval(Duration::from_secs(30));
    let c = &counter;
    builder = match routes {
        Routes::CatchAll => builder,
        Routes::Untyped => builder
            .on_event("reaction_added", c.handler())
            .on_command("/never", c.handler()),
        Routes::Typed => builder
            .on(listen::event("reaction_added"), c.handler())
            .on(listen::command("/never"), c.handler()),
        Routes::DecodeAll => {
            for event in [
                "app_mention",
                "message",
                "tokens_revoked",
                "app_uninstalled",
            ] {
                builder = builder.on(listen::event(event).subtype("never"), c.handler());
            }
            builder
                .on_action("never", c.handler())
                .on_options("never", c.handler())
                .on_view_submission("never", c.handler())
                .on_view_closed("never", c.handler())
                .on_shortcut("never", c.handler())
                .on_message_shortcut("never", c.handler())
        }
    };
    let client = builder.on_envelope(counter.handler()).build()?;
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
