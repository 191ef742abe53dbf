//! The durable hand-off's first half: every envelope appended to a Redis stream (`XADD`), and
//! acked to Slack only once the append succeeded.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use slackline::{Envelope, LateAckPolicy};
use slackline_async_driver::{HeldAck, Runtime, SocketModeBuilder};

use crate::error::Error;
use crate::link::Link;
use crate::target::RedisTarget;

/// The fields of a stream entry: the frame as Slack sent it, and what a reader may want
/// without parsing it.
pub mod fields {
    /// The envelope's whole frame, as received (a worker rebuilds the envelope from it).
    pub const FRAME: &str = "frame";
    /// `envelope_id`.
    pub const ENVELOPE_ID: &str = "envelope_id";
    /// `type` (`events_api`, `interactive`, `slash_commands`, ...).
    pub const TYPE: &str = "type";
    /// `payload.event_id`, for Events API envelopes.
    pub const EVENT_ID: &str = "event_id";
    /// `retry_attempt`.
    pub const RETRY_ATTEMPT: &str = "retry_attempt";
}

/// Appends envelopes to a stream. Cheap to clone.
#[derive(Clone)]
pub struct StreamSink {
    link: Arc<Link>,
    stream: Arc<str>,
    maxlen: Option<u64>,
    counters: Arc<SinkCounters>,
}

#[derive(Default)]
struct SinkCounters {
    appended: AtomicU64,
    failed: AtomicU64,
    outage: AtomicBool,
}

/// Counters of a [`StreamSink`] (shared by its clones).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SinkStats {
    /// Envelopes appended.
    pub appended: u64,
    /// Appends that failed (and were retried, by [`hand_off`]).
    pub failed: u64,
}

impl StreamSink {
    /// A sink for `redis://[user:password@]host[:port]/STREAM`, each append bounded by
    /// [`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT). Nothing connects yet.
    pub fn new(url: &str) -> Result<Self, Error> {
        let (target, stream) = RedisTarget::parse_stream(url)?;
        Self::on(target, stream, crate::DEFAULT_TIMEOUT)
    }

    /// A sink for `stream` on `target`, each append bounded by `timeout`.
    pub fn on(target: RedisTarget, stream: String, timeout: Duration) -> Result<Self, Error> {
        Ok(StreamSink {
            link: Arc::new(Link::new(target, timeout)?),
            stream: stream.into(),
            maxlen: None,
            counters: Arc::default(),
        })
    }

    /// Trims the stream to about `n` entries as it grows (`XADD … MAXLEN ~ n`). Entries beyond
    /// are dropped whether or not a worker consumed them: size it for the longest outage of
    /// the workers. Default: no trimming (trim with `XTRIM` yourself).
    pub fn maxlen(mut self, n: u64) -> Self {
        self.maxlen = Some(n);
        self
    }

    /// The stream's name.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// Connects now and checks that Redis answers (`PING`).
    pub async fn connect(&self) -> Result<(), Error> {
        let pong: Result<String, _> = self.link.query(&redis::cmd("PING")).await;
        pong.map(drop).map_err(|f| f.into_error(self.link.target()))
    }

    /// The counters so far.
    pub fn stats(&self) -> SinkStats {
        SinkStats {
            appended: self.counters.appended.load(Ordering::Relaxed),
            failed: self.counters.failed.load(Ordering::Relaxed),
        }
    }

    /// Appends `envelope`; returns the entry's id.
    pub async fn append(&self, envelope: &Envelope) -> Result<String, Error> {
        let mut cmd = redis::cmd("XADD");
        cmd.arg(&*self.stream);
        if let Some(n) = self.maxlen {
            cmd.arg("MAXLEN").arg("~").arg(n);
        }
        cmd.arg("*")
            .arg(fields::FRAME)
            .arg(envelope.frame_bytes().as_ref())
            .arg(fields::ENVELOPE_ID)
            .arg(envelope.envelope_id().as_ref())
            .arg(fields::TYPE)
            .arg(envelope.kind().as_str())
            .arg(fields::RETRY_ATTEMPT)
            .arg(envelope.retry_attempt());
        if let Some(event_id) = envelope.event_id() {
            cmd.arg(fields::EVENT_ID).arg(event_id.as_ref());
        }
        match self.link.query::<String>(&cmd).await {
            Ok(id) => {
                self.counters.appended.fetch_add(1, Ordering::Relaxed);
                if self.counters.outage.swap(false, Ordering::AcqRel) {
                    tracing::warn!(stream = %self.stream, "appending again");
                }
                Ok(id)
            }
            Err(failure) => {
                self.counters.failed.fetch_add(1, Ordering::Relaxed);
                let error = failure.into_error(self.link.target());
                if !self.counters.outage.swap(true, Ordering::AcqRel) {
                    tracing::warn!(
                        stream = %self.stream, %error,
                        "cannot append: envelopes stay unacked (Slack redelivers them) and appends are retried"
                    );
                }
                Err(error)
            }
        }
    }

    /// Appends `envelope`, retrying until it succeeds (backing off up to a second): what a
    /// hand-off does before it acks.
    pub async fn append_until_done<R: Runtime>(&self, runtime: &R, envelope: &Envelope) -> String {
        let mut delay = Duration::from_millis(20);
        loop {
            if let Ok(id) = self.append(envelope).await {
                return id;
            }
            runtime.sleep_until(runtime.now() + delay).await;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }
}

impl fmt::Debug for StreamSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamSink")
            .field("target", self.link.target())
            .field("stream", &self.stream)
            .field("maxlen", &self.maxlen)
            .field("stats", &self.stats())
            .finish()
    }
}

/// Makes `builder`'s client a hand-off: every envelope is appended to `sink`'s stream and
/// acked to Slack only after the append succeeded (appends are retried while Redis is away;
/// the envelopes stay unacked meanwhile, and Slack redelivers them, here or to another
/// listener). Workers ([`Worker`](crate::Worker)) handle them from the stream.
///
/// Every envelope's ack is the app's (`Config::with_app_acks`) and a missed deadline is only
/// reported (`LateAckPolicy::Report`): nothing is acked that is not in the stream. Envelopes
/// that take a response payload (slash commands, some interactive payloads) are acked bare:
/// the worker answers through the payload's `response_url` or the Web API.
///
/// The builder's handlers are replaced by the hand-off; `on_append` runs after each append
/// and ack (to print or count), with the envelope and its stream entry id.
///
/// A hand-off stopped before its append went through (the client shutting down) leaves the
/// envelope unacked: Slack redelivers it.
pub fn hand_off<R: Runtime, F>(
    builder: SocketModeBuilder<R>,
    runtime: R,
    sink: StreamSink,
    on_append: impl Fn(Envelope, String) -> F + Send + Sync + 'static,
) -> SocketModeBuilder<R>
where
    F: Future<Output = ()> + Send + 'static,
{
    let on_append = Arc::new(on_append);
    builder
        .app_acks(true)
        .ack_policy(
            slackline::Config::DEFAULT_ACK_TIMEOUT,
            LateAckPolicy::Report,
        )
        .on_envelope(move |envelope, responder| {
            let (sink, runtime, on_append) = (sink.clone(), runtime.clone(), on_append.clone());
            // Withheld if the hand-off stops before its append went through.
            let held = HeldAck::new(responder);
            async move {
                let id = sink.append_until_done(&runtime, &envelope).await;
                if let Err(error) = held.give().await {
                    // Stopped meanwhile: it is in the stream; Slack may redeliver it too.
                    tracing::debug!(%error, "appended, but not acked");
                }
                on_append(envelope, id).await;
            }
        })
}
