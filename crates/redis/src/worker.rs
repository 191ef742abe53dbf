//! The durable hand-off's second half: workers that read the stream with a consumer group,
//! run the same handlers a client runs, `XACK` after the handler ran, and reclaim the entries
//! of a worker that died (`XAUTOCLAIM` after an idle time).
//!
//! Each entry's event is claimed before its handler runs (`SET key entry-id NX GET`, the key
//! being `payload.event_id`, else `envelope_id`): an event appended twice (Slack redelivered it
//! after a lost ack, to another listener) runs once. An entry reclaimed from a dead worker
//! finds its own id in the claim and runs again: at-least-once for what a worker was running
//! when it died. After the handler, the claim is marked done and the entry acknowledged in one
//! transaction (retried until Redis takes it), so a reclaimed entry that had finished is only
//! acknowledged.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use redis::streams::{StreamAutoClaimReply, StreamId, StreamReadReply};
use slackline::{ConnId, Envelope};
use slackline_async_driver::{Responder, Runtime};
use slackline_client::{BoxFuture, ClaimKey, HandlerStats, IntoTask, SocketModeRoutes};

use crate::error::Error;
use crate::link::{Failure, Link};
use crate::stream::fields;
use crate::target::RedisTarget;

/// The consumer group, by default.
pub const DEFAULT_GROUP: &str = "slackline";
/// How long an entry may stay unacknowledged by a consumer before another takes it over, by
/// default.
pub const DEFAULT_RECLAIM_AFTER: Duration = Duration::from_secs(30);
/// Entries read (and handlers run concurrently) at once, by default.
pub const DEFAULT_BATCH: usize = 32;
/// Claim keys' prefix, by default; the stream's name follows (`slackline:stream:events:ev:Ev01`).
pub const DEFAULT_CLAIM_PREFIX: &str = "slackline:stream:";
/// How long a worker's claim on an event lasts: Slack's redelivery window.
pub const CLAIM_WINDOW: Duration = Duration::from_secs(15 * 60);
/// How long one read waits for new entries.
const BLOCK: Duration = Duration::from_millis(500);
const DONE: &str = "done";

/// A worker's handler: the clients' untyped handler type, boxed.
type Handler = Arc<dyn Fn(Envelope, Responder) -> BoxFuture<'static, ()> + Send + Sync>;

/// Builds a [`Worker`]: where the stream is, who this worker is, and the handlers, registered
/// exactly as on `SocketModeClient::builder` (same methods, same handler type: a handler
/// written for a client runs here unchanged; its `Responder` says `NotPending`, since the
/// listener acked the envelope).
pub struct WorkerBuilder<R: Runtime> {
    runtime: R,
    url: String,
    group: String,
    consumer: Option<String>,
    reclaim_after: Duration,
    batch: usize,
    prefix: Option<String>,
    timeout: Duration,
    routes: SocketModeRoutes<Handler>,
    stats: HandlerStats,
}

/// Reads a stream written by [`hand_off`](crate::hand_off) and runs handlers on its entries.
pub struct Worker<R: Runtime> {
    runtime: R,
    commands: Arc<Link>,
    reads: Arc<Link>,
    stream: String,
    group: String,
    consumer: String,
    reclaim_after: Duration,
    batch: usize,
    prefix: String,
    routes: Arc<SocketModeRoutes<Handler>>,
    /// Handler errors and panics, counted as on a client.
    stats: HandlerStats,
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    handled: AtomicU64,
    duplicates: AtomicU64,
    reclaimed: AtomicU64,
    unreadable: AtomicU64,
    outage: AtomicBool,
}

/// Stops a running [`Worker`] from anywhere: it reads no more, lets running handlers finish,
/// and `run()` returns.
#[derive(Clone)]
pub struct WorkerHandle(Arc<Shared>);

impl WorkerHandle {
    /// Asks the worker to stop.
    pub fn shutdown(&self) {
        self.0.stop.store(true, Ordering::Release);
    }

    /// The counters so far.
    pub fn stats(&self) -> WorkerStats {
        let s = &self.0;
        WorkerStats {
            handled: s.handled.load(Ordering::Relaxed),
            duplicates: s.duplicates.load(Ordering::Relaxed),
            reclaimed: s.reclaimed.load(Ordering::Relaxed),
            unreadable: s.unreadable.load(Ordering::Relaxed),
        }
    }
}

impl fmt::Debug for WorkerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WorkerHandle").field(&self.stats()).finish()
    }
}

/// A worker's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerStats {
    /// Entries whose handler ran (or that no handler wanted) and that were acknowledged.
    pub handled: u64,
    /// Entries of an event another entry already had: acknowledged, not run.
    pub duplicates: u64,
    /// Entries taken over from a consumer that left them idle.
    pub reclaimed: u64,
    /// Entries that held no envelope: acknowledged and logged.
    pub unreadable: u64,
}

impl<R: Runtime> WorkerBuilder<R> {
    /// A worker of `redis://[user:password@]host[:port]/STREAM` on `runtime`.
    pub fn new(runtime: R, url: impl Into<String>) -> Self {
        WorkerBuilder {
            runtime,
            url: url.into(),
            group: DEFAULT_GROUP.into(),
            consumer: None,
            reclaim_after: DEFAULT_RECLAIM_AFTER,
            batch: DEFAULT_BATCH,
            prefix: None,
            timeout: crate::DEFAULT_TIMEOUT,
            routes: SocketModeRoutes::default(),
            stats: HandlerStats::default(),
        }
    }

    /// The consumer group (default [`DEFAULT_GROUP`]; created, from the stream's start, if
    /// missing). Workers of one group share the entries; each group gets them all.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = group.into();
        self
    }

    /// This worker's name in the group (default: host-independent `worker-PID`). A worker
    /// restarted under the same name first handles what it had left pending.
    pub fn consumer(mut self, consumer: impl Into<String>) -> Self {
        self.consumer = Some(consumer.into());
        self
    }

    /// How long an entry may stay pending with another consumer before this one takes it
    /// over (default 30 s): longer than your slowest handler, or entries still running are
    /// run twice.
    pub fn reclaim_after(mut self, idle: Duration) -> Self {
        self.reclaim_after = idle.max(Duration::from_millis(1));
        self
    }

    /// Entries read at once; their handlers run concurrently (default 32).
    pub fn batch(mut self, n: usize) -> Self {
        self.batch = n.max(1);
        self
    }

    /// Prefix of the event claim keys (default `slackline:stream:` and the stream's name).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Bound on each Redis command but the blocking read (default 500 ms).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Handles Events API envelopes of this `payload.event.type`, as `on_event` on a client.
    pub fn on_event<F, Out>(mut self, event_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, Responder) -> Out + Send + Sync + 'static,
        Out: IntoTask<BoxFuture<'static, ()>>,
    {
        self.routes
            .insert_event(event_type.into(), boxed(handler, &self.stats));
        self
    }

    /// Handles interactive envelopes of this `payload.type`.
    pub fn on_interactive<F, Out>(mut self, payload_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, Responder) -> Out + Send + Sync + 'static,
        Out: IntoTask<BoxFuture<'static, ()>>,
    {
        self.routes
            .insert_interactive(payload_type.into(), boxed(handler, &self.stats));
        self
    }

    /// Handles a slash command (`/deploy`, with the slash).
    pub fn on_command<F, Out>(mut self, command: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Envelope, Responder) -> Out + Send + Sync + 'static,
        Out: IntoTask<BoxFuture<'static, ()>>,
    {
        self.routes
            .insert_command(command.into(), boxed(handler, &self.stats));
        self
    }

    /// Handles every envelope no specific handler took.
    pub fn on_envelope<F, Out>(mut self, handler: F) -> Self
    where
        F: Fn(Envelope, Responder) -> Out + Send + Sync + 'static,
        Out: IntoTask<BoxFuture<'static, ()>>,
    {
        self.routes.set_fallback(boxed(handler, &self.stats));
        self
    }

    /// Checks the URL; connects when run.
    pub fn build(self) -> Result<Worker<R>, Error> {
        let (target, stream) = RedisTarget::parse_stream(&self.url)?;
        // The blocking read has a connection of its own: it would hold up every command
        // pipelined behind it on a shared one.
        let reads = Link::new(target.clone(), BLOCK + self.timeout)?;
        let commands = Link::new(target, self.timeout)?;
        let prefix = self
            .prefix
            .unwrap_or_else(|| format!("{DEFAULT_CLAIM_PREFIX}{stream}:"));
        Ok(Worker {
            runtime: self.runtime,
            commands: Arc::new(commands),
            reads: Arc::new(reads),
            stream,
            group: self.group,
            consumer: self
                .consumer
                .unwrap_or_else(|| format!("worker-{}", std::process::id())),
            reclaim_after: self.reclaim_after,
            batch: self.batch,
            prefix,
            routes: Arc::new(self.routes),
            stats: self.stats,
            shared: Arc::default(),
        })
    }
}

fn boxed<F, Out>(handler: F, stats: &HandlerStats) -> Handler
where
    F: Fn(Envelope, Responder) -> Out + Send + Sync + 'static,
    Out: IntoTask<BoxFuture<'static, ()>>,
{
    let stats = stats.clone();
    Arc::new(move |envelope, responder| {
        stats.handled();
        handler(envelope, responder).into_task(&stats)
    })
}

/// What became of one entry.
enum Outcome {
    Handled,
    Duplicate,
    /// Left pending: Redis could not be asked; the entry is read again later.
    Later,
}

impl<R: Runtime> Worker<R> {
    /// A builder; see [`WorkerBuilder`].
    pub fn builder(runtime: R, url: impl Into<String>) -> WorkerBuilder<R> {
        WorkerBuilder::new(runtime, url)
    }

    /// A handle to stop it and read its counters.
    pub fn handle(&self) -> WorkerHandle {
        WorkerHandle(Arc::clone(&self.shared))
    }

    /// The handlers' counters (runs, errors, panics), as a client's `stats()`.
    pub fn handler_stats(&self) -> HandlerStats {
        self.stats.clone()
    }

    /// The consumer name.
    pub fn consumer(&self) -> &str {
        &self.consumer
    }

    /// Reads and handles until [`WorkerHandle::shutdown`]. Redis going away is waited out
    /// (one warning, then a line when it is back); an error is returned only for what waiting
    /// cannot fix (Redis refusing the group, a wrong key type).
    pub async fn run(self) -> Result<(), Error> {
        self.create_group().await?;
        // First what this consumer left pending in an earlier life, then new entries; every
        // `reclaim_after / 2`, what others left idle.
        let mut own_pending = true;
        let mut next_reclaim = self.runtime.now();
        let mut backoff = Duration::from_millis(50);
        while !self.shared.stop.load(Ordering::Acquire) {
            let entries = if self.runtime.now() >= next_reclaim {
                next_reclaim = self.runtime.now() + self.reclaim_after / 2;
                self.reclaim().await.map(|entries| (entries, true))
            } else {
                let from = if own_pending { "0" } else { ">" };
                self.read(from).await.map(|entries| (entries, false))
            };
            let (entries, reclaimed) = match entries {
                Ok(found) => {
                    self.back_up();
                    backoff = Duration::from_millis(50);
                    found
                }
                Err(Failure::Unavailable(detail)) => {
                    self.down(&detail);
                    self.runtime.sleep_until(self.runtime.now() + backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                    continue;
                }
                Err(Failure::Refused(error)) => {
                    return Err(Error::redis(self.commands.target(), error));
                }
            };
            if own_pending && !reclaimed && entries.is_empty() {
                own_pending = false;
            }
            if reclaimed {
                self.shared
                    .reclaimed
                    .fetch_add(entries.len() as u64, Ordering::Relaxed);
            }
            let outcomes =
                futures_util::future::join_all(entries.into_iter().map(|e| self.handle_entry(e)))
                    .await;
            if outcomes.iter().any(|o| matches!(o, Outcome::Later)) {
                self.runtime.sleep_until(self.runtime.now() + backoff).await;
            }
        }
        Ok(())
    }

    async fn create_group(&self) -> Result<(), Error> {
        let mut cmd = redis::cmd("XGROUP");
        // From the stream's start: what the listeners appended before any worker ran is
        // handled too.
        cmd.arg("CREATE")
            .arg(&self.stream)
            .arg(&self.group)
            .arg("0")
            .arg("MKSTREAM");
        let mut backoff = Duration::from_millis(50);
        loop {
            match self.commands.query::<redis::Value>(&cmd).await {
                Ok(_) => return Ok(()),
                Err(Failure::Refused(e)) if e.code() == Some("BUSYGROUP") => return Ok(()),
                Err(Failure::Refused(e)) => {
                    return Err(Error::redis(self.commands.target(), e));
                }
                Err(Failure::Unavailable(detail)) => {
                    if self.shared.stop.load(Ordering::Acquire) {
                        return Ok(());
                    }
                    self.down(&detail);
                    self.runtime.sleep_until(self.runtime.now() + backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            }
        }
    }

    async fn read(&self, from: &str) -> Result<Vec<StreamId>, Failure> {
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(&self.group)
            .arg(&self.consumer)
            .arg("COUNT")
            .arg(self.batch);
        if from == ">" {
            cmd.arg("BLOCK").arg(BLOCK.as_millis() as u64);
        }
        cmd.arg("STREAMS").arg(&self.stream).arg(from);
        let reply: Option<StreamReadReply> = self.reads.query(&cmd).await?;
        Ok(reply
            .into_iter()
            .flat_map(|r| r.keys)
            .flat_map(|k| k.ids)
            .collect())
    }

    async fn reclaim(&self) -> Result<Vec<StreamId>, Failure> {
        let mut cmd = redis::cmd("XAUTOCLAIM");
        cmd.arg(&self.stream)
            .arg(&self.group)
            .arg(&self.consumer)
            .arg(self.reclaim_after.as_millis() as u64)
            .arg("0-0")
            .arg("COUNT")
            .arg(self.batch);
        let reply: StreamAutoClaimReply = self.commands.query(&cmd).await?;
        Ok(reply.claimed)
    }

    async fn handle_entry(&self, entry: StreamId) -> Outcome {
        let frame: Option<Vec<u8>> = entry.get(fields::FRAME);
        let envelope = frame.and_then(|frame| {
            Envelope::from_frame(frame, ConnId::from_raw(0), slackline::Instant::ZERO)
        });
        let Some(envelope) = envelope else {
            tracing::warn!(stream = %self.stream, id = %entry.id, "entry holds no envelope: acknowledged, not handled");
            self.shared.unreadable.fetch_add(1, Ordering::Relaxed);
            return self.finish(&entry.id, None).await;
        };
        let key = format!("{}{}", self.prefix, ClaimKey::of(&envelope).as_str());
        // Ours if nobody claimed it, or if the claim is this very entry (reclaimed from a
        // worker that died, or this consumer's own, from before a restart).
        let mut claim = redis::cmd("SET");
        claim
            .arg(&key)
            .arg(&entry.id)
            .arg("NX")
            .arg("PX")
            .arg(CLAIM_WINDOW.as_millis() as u64)
            .arg("GET");
        let holder: Option<String> = match self.commands.query(&claim).await {
            Ok(holder) => holder,
            Err(failure) => {
                self.down(&format!("{failure:?}"));
                return Outcome::Later;
            }
        };
        match holder.as_deref() {
            None => {}
            Some(id) if id == entry.id => {}
            Some(_) => {
                // Another entry of the same event has it (running, or done).
                self.shared.duplicates.fetch_add(1, Ordering::Relaxed);
                return match self.finish(&entry.id, None).await {
                    Outcome::Handled => Outcome::Duplicate,
                    other => other,
                };
            }
        }
        if let Some(handler) = self.routes.find(&envelope) {
            let responder = Responder::acked(&envelope.envelope_id());
            let call = handler(envelope, responder);
            if AssertUnwindSafe(call).catch_unwind().await.is_err() {
                self.stats.panicked();
            }
        }
        self.finish(&entry.id, Some(&key)).await
    }

    /// Marks the claim done and acknowledges the entry, in one transaction, retried until
    /// Redis takes it (or the worker stops: then the entry stays pending, and is reclaimed).
    async fn finish(&self, id: &str, key: Option<&str>) -> Outcome {
        let mut pipe = redis::pipe();
        pipe.atomic();
        if let Some(key) = key {
            pipe.cmd("SET")
                .arg(key)
                .arg(DONE)
                .arg("XX")
                .arg("KEEPTTL")
                .ignore();
        }
        pipe.cmd("XACK")
            .arg(&self.stream)
            .arg(&self.group)
            .arg(id)
            .ignore();
        let mut backoff = Duration::from_millis(20);
        loop {
            match self.commands.query_pipeline::<()>(&pipe).await {
                Ok(()) => {
                    if key.is_some() {
                        self.shared.handled.fetch_add(1, Ordering::Relaxed);
                    }
                    return Outcome::Handled;
                }
                Err(failure) => {
                    self.down(&format!("{failure:?}"));
                    if self.shared.stop.load(Ordering::Acquire) {
                        return Outcome::Later;
                    }
                    self.runtime.sleep_until(self.runtime.now() + backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            }
        }
    }

    fn down(&self, detail: &str) {
        if !self.shared.outage.swap(true, Ordering::AcqRel) {
            let detail = crate::target::redact(detail);
            tracing::warn!(target_url = %self.commands.target(), %detail, "Redis unavailable: the worker waits for it");
        }
    }

    fn back_up(&self) {
        if self.shared.outage.swap(false, Ordering::AcqRel) {
            tracing::warn!(target_url = %self.commands.target(), "Redis is back: the worker resumes");
        }
    }
}

impl<R: Runtime> fmt::Debug for Worker<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("target", self.commands.target())
            .field("stream", &self.stream)
            .field("group", &self.group)
            .field("consumer", &self.consumer)
            .field("reclaim_after", &self.reclaim_after)
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> fmt::Debug for WorkerBuilder<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerBuilder")
            .field("url", &crate::target::redact(&self.url))
            .field("group", &self.group)
            .field("consumer", &self.consumer)
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}
