//! `listen --shared-dedupe redis://…` and `listen --to redis://…/STREAM`: one app run as many
//! `slackline listen` processes (slackline-redis).

use std::future::Future;

use anyhow::Context as _;
use clap::Args;
use slackline::Envelope;
use slackline_async_driver::{Runtime, SocketModeBuilder};
use slackline_redis::{hand_off, RedisDedupe, StreamSink};

#[derive(Args, Debug, Clone, Default)]
pub struct FleetArgs {
    /// Share redelivery dedupe with the app's other listeners through Redis at
    /// redis://HOST:PORT[/DB]: an envelope another listener claimed is acked, not printed.
    /// While Redis does not answer (500 ms), envelopes are printed on the local dedupe alone.
    #[arg(long, value_name = "URL", conflicts_with = "to")]
    pub shared_dedupe: Option<String>,
    /// Hand every envelope off to the Redis stream at redis://HOST:PORT/STREAM (XADD), and ack
    /// it only once appended; `slackline worker` reads the stream. Envelopes that take a
    /// response payload are acked bare: answer through response_url or the Web API.
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
}

impl FleetArgs {
    pub fn any(&self) -> bool {
        self.shared_dedupe.is_some() || self.to.is_some()
    }
}

/// What the flags asked for, checked and connected (or warned about) before the client is
/// built.
pub enum Fleet {
    Alone,
    SharedDedupe(RedisDedupe),
    HandOff(StreamSink),
}

impl Fleet {
    pub async fn prepare(args: &FleetArgs) -> anyhow::Result<Fleet> {
        if args.any() {
            warnings_to_stderr();
        }
        if let Some(url) = &args.shared_dedupe {
            let store = RedisDedupe::new(url).context("--shared-dedupe")?;
            // Not fatal: claims retry, envelopes meanwhile go out on the local dedupe.
            if let Err(e) = store.connect().await {
                tracing::warn!(error = %e, "--shared-dedupe: Redis does not answer yet");
            }
            return Ok(Fleet::SharedDedupe(store));
        }
        if let Some(url) = &args.to {
            let sink = StreamSink::new(url).context("--to")?;
            if let Err(e) = sink.connect().await {
                tracing::warn!(error = %e, "--to: Redis does not answer yet; envelopes wait unacked");
            }
            return Ok(Fleet::HandOff(sink));
        }
        Ok(Fleet::Alone)
    }

    /// Adds it to a Socket Mode listener; with `--to`, `handed_off` is called for each
    /// envelope handed off (after its append and ack) in place of the builder's handlers.
    pub fn apply<R: Runtime, F>(
        self,
        builder: SocketModeBuilder<R>,
        runtime: R,
        handed_off: impl Fn(Envelope) -> F + Send + Sync + 'static,
    ) -> SocketModeBuilder<R>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        match self {
            Fleet::Alone => builder,
            // Claims go out side by side: one at a time, each envelope would wait for the
            // previous one's round trip to Redis. Lines may then leave in another order than
            // the envelopes arrived.
            Fleet::SharedDedupe(store) => builder
                .concurrency(slackline_async_driver::DEFAULT_CONCURRENCY)
                .shared_dedupe(store.into_shared()),
            Fleet::HandOff(sink) => {
                // Appends go out side by side (pipelined on one connection), not one per
                // round trip.
                let builder = builder.concurrency(slackline_async_driver::DEFAULT_CONCURRENCY);
                hand_off(builder, runtime, sink, move |envelope, _| {
                    handed_off(envelope)
                })
            }
        }
    }
}

/// Warnings (Redis away and back, counted fallbacks) as lines on stderr, for the fleet modes
/// and the worker; stdout keeps only the JSON lines.
pub fn warnings_to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .try_init();
}
