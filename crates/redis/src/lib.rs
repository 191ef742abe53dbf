//! # slackline-redis: one Slack app, many processes
//!
//! A Socket Mode app that outgrows one process runs several, each holding some of the app's
//! (up to 10) connections. Slack spreads envelopes over all of them and may redeliver one
//! (`retry_attempt` ≥ 1, same `payload.event_id`, a new `envelope_id`) on another connection,
//! in another process whose local dedupe never saw it. And a process that acks an envelope and
//! dies before its handler ran has lost that event. This crate answers both on Redis:
//!
//! - **Shared dedupe** ([`RedisDedupe`], [`BlockingRedisDedupe`]): before an envelope is
//!   dispatched, its key (`event_id`, else `envelope_id`) is claimed with `SET NX PX` for the
//!   dedupe window; a process that loses the claim acked the envelope but does not dispatch
//!   it. Plugged into any client with `ClientBuilder::shared_dedupe` (the claim runs in the
//!   driver's dispatcher, beside the loop: acks never wait for Redis). Redis unreachable or
//!   slower than the claim's bound (500 ms): the envelope is dispatched on the local dedupe
//!   alone, with one warning and a counter; claims resume when Redis answers again.
//! - **A durable hand-off** ([`hand_off`], [`StreamSink`]): listeners append each envelope to
//!   a stream (`XADD`) and ack it only once the append succeeded; [`Worker`]s read the stream
//!   with a consumer group, run the same handlers a client would, `XACK` after the handler
//!   ran, and take over a dead worker's entries (`XAUTOCLAIM`) after an idle time.
//!
//! What is guaranteed, and where duplicates remain, is in the README's "Running a fleet".
//!
//! Runtimes: the async side (feature `tokio` and/or `smol`, both on by default) runs on
//! tokio, smol and async-std (whose tasks share smol's async-io reactor; redis' `smol-comp`
//! serves both). With both features, the redis crate uses tokio when the connection is made
//! inside a tokio runtime and smol otherwise. `slackline-blocking` gets [`BlockingRedisDedupe`]
//! (the redis crate's synchronous API; no async stack).
//!
//! Nothing secret reaches Redis keys, logs or errors: keys are ids and fixed prefixes, and a
//! Redis URL's password is shown as `***`.

#![warn(missing_docs, unreachable_pub)]

mod dedupe;
mod error;
#[cfg(any(feature = "tokio", feature = "smol"))]
mod link;
#[cfg(any(feature = "tokio", feature = "smol"))]
mod stream;
mod target;
#[cfg(any(feature = "tokio", feature = "smol"))]
mod worker;

#[cfg(any(feature = "tokio", feature = "smol"))]
pub use dedupe::RedisDedupe;
pub use dedupe::{BlockingRedisDedupe, DEFAULT_PREFIX, DEFAULT_TIMEOUT};
pub use error::Error;
#[cfg(any(feature = "tokio", feature = "smol"))]
pub use stream::{fields, hand_off, SinkStats, StreamSink};
pub use target::RedisTarget;
#[cfg(any(feature = "tokio", feature = "smol"))]
pub use worker::{
    Worker, WorkerBuilder, WorkerHandle, WorkerStats, CLAIM_WINDOW, DEFAULT_BATCH,
    DEFAULT_CLAIM_PREFIX, DEFAULT_GROUP, DEFAULT_RECLAIM_AFTER,
};

/// Least time between two connection attempts while Redis is unreachable.
pub const RETRY_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);
