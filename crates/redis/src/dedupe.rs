//! Shared redelivery dedupe on Redis: a claim is `SET prefix+key owner NX PX window`; the
//! process whose `SET` took the key dispatches the envelope.

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use slackline_client::{BoxFuture, Claim, ClaimKey, ClaimStore, SharedDedupe};

use crate::error::Error;
use crate::target::RedisTarget;

/// Prefix of the claim keys, by default (`slackline:dedupe:ev:Ev0123`).
pub const DEFAULT_PREFIX: &str = "slackline:dedupe:";
/// Bound on each claim (and on each connection attempt), by default: well inside Slack's
/// 3-second ack deadline, which a deferred envelope's handler shares with its claim.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);

/// What every claim stores as the key's value: which process has the envelope (for whoever
/// looks at Redis; nothing reads it back).
fn owner() -> String {
    format!("pid:{}", std::process::id())
}

/// The `SET … NX PX …` of a claim.
fn claim_command(prefix: &str, key: &ClaimKey, owner: &str, window: Duration) -> redis::Cmd {
    let mut cmd = redis::cmd("SET");
    cmd.arg(format!("{prefix}{}", key.as_str()))
        .arg(owner)
        .arg("NX")
        .arg("PX")
        .arg(u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1));
    cmd
}

/// `OK` if the key was set (the claim is ours), nil if someone holds it.
fn verdict(reply: redis::Value) -> Claim {
    match reply {
        redis::Value::Nil => Claim::Lost,
        _ => Claim::Won,
    }
}

/// Shared dedupe on Redis for the async clients (tokio, smol, async-std).
///
/// ```no_run
/// # async fn f() -> Result<(), slackline_redis::Error> {
/// use slackline_redis::RedisDedupe;
/// use slackline_tokio::SocketModeClient;
///
/// let dedupe = RedisDedupe::new("redis://127.0.0.1:6379/0")?.into_shared();
/// let client = SocketModeClient::builder("xapp-…")
///     .shared_dedupe(dedupe.clone())       // keep a clone for dedupe.stats()
///     .on_event("app_mention", |envelope, _| async move { /* once across the fleet */ })
///     .build()?;
/// # Ok(()) }
/// ```
#[cfg(any(feature = "tokio", feature = "smol"))]
pub struct RedisDedupe {
    link: std::sync::Arc<crate::link::Link>,
    prefix: String,
    owner: String,
}

#[cfg(any(feature = "tokio", feature = "smol"))]
impl RedisDedupe {
    /// Claims in Redis at `url` (`redis://[user:password@]host[:port][/DB]`), each answered
    /// within [`DEFAULT_TIMEOUT`]. Nothing connects yet: the first claim does (or
    /// [`connect`](Self::connect)).
    pub fn new(url: &str) -> Result<Self, Error> {
        Self::with_timeout(url, DEFAULT_TIMEOUT)
    }

    /// [`new`](Self::new) with another bound on each claim.
    pub fn with_timeout(url: &str, timeout: Duration) -> Result<Self, Error> {
        let link = crate::link::Link::new(RedisTarget::parse(url)?, timeout)?;
        Ok(RedisDedupe {
            link: std::sync::Arc::new(link),
            prefix: DEFAULT_PREFIX.into(),
            owner: owner(),
        })
    }

    /// Another key prefix (apps sharing one Redis; the default is [`DEFAULT_PREFIX`]).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Connects now and checks that Redis answers (`PING`), so the first envelopes are not
    /// dispatched on the local dedupe alone. An error here is not fatal: the claims retry.
    pub async fn connect(&self) -> Result<(), Error> {
        let pong: Result<String, _> = self.link.query(&redis::cmd("PING")).await;
        pong.map(drop).map_err(|f| f.into_error(self.link.target()))
    }

    /// The store, ready for [`ClientBuilder::shared_dedupe`](slackline_client::ClientBuilder::shared_dedupe).
    pub fn into_shared(self) -> SharedDedupe {
        SharedDedupe::new(self)
    }
}

#[cfg(any(feature = "tokio", feature = "smol"))]
impl ClaimStore for RedisDedupe {
    fn claim(&self, key: ClaimKey, window: Duration) -> BoxFuture<'static, Claim> {
        let command = claim_command(&self.prefix, &key, &self.owner, window);
        let link = std::sync::Arc::clone(&self.link);
        Box::pin(async move {
            match link.query::<redis::Value>(&command).await {
                Ok(reply) => verdict(reply),
                Err(crate::link::Failure::Unavailable(detail)) => {
                    tracing::debug!(target_url = %link.target(), %detail, "claim unanswered");
                    Claim::Unavailable
                }
                Err(crate::link::Failure::Refused(error)) => {
                    // Redis is up but refuses (a read-only replica, ACLs, OOM): as unavailable.
                    let error = crate::target::redact(&error.to_string());
                    tracing::debug!(target_url = %link.target(), %error, "claim refused");
                    Claim::Unavailable
                }
            }
        })
    }
}

#[cfg(any(feature = "tokio", feature = "smol"))]
impl fmt::Debug for RedisDedupe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDedupe")
            .field("target", self.link.target())
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Shared dedupe on Redis for `slackline-blocking`: the redis crate's synchronous connections,
/// a few kept open, each command bounded by socket timeouts. A claim is made on the handler
/// thread that is about to run the handler.
pub struct BlockingRedisDedupe {
    target: RedisTarget,
    client: redis::Client,
    timeout: Duration,
    prefix: String,
    owner: String,
    idle: Mutex<Vec<redis::Connection>>,
    retry_at: Mutex<Option<Instant>>,
}

impl BlockingRedisDedupe {
    /// Claims in Redis at `url`, each answered within [`DEFAULT_TIMEOUT`].
    pub fn new(url: &str) -> Result<Self, Error> {
        Self::with_timeout(url, DEFAULT_TIMEOUT)
    }

    /// [`new`](Self::new) with another bound on each claim.
    pub fn with_timeout(url: &str, timeout: Duration) -> Result<Self, Error> {
        let target = RedisTarget::parse(url)?;
        Ok(BlockingRedisDedupe {
            client: target.client()?,
            target,
            timeout,
            prefix: DEFAULT_PREFIX.into(),
            owner: owner(),
            idle: Mutex::default(),
            retry_at: Mutex::default(),
        })
    }

    /// Another key prefix (the default is [`DEFAULT_PREFIX`]).
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The store, ready for `ClientBuilder::shared_dedupe`.
    pub fn into_shared(self) -> SharedDedupe {
        SharedDedupe::new(self)
    }

    fn connection(&self) -> Option<redis::Connection> {
        if let Some(conn) = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Some(conn);
        }
        // One thread connects at a time (each attempt bounded by the timeout); while Redis is
        // known to be away, none waits.
        let mut retry_at = self.retry_at.lock().unwrap_or_else(|p| p.into_inner());
        if retry_at.is_some_and(|at| Instant::now() < at) {
            return None;
        }
        let conn = self
            .client
            .get_connection_with_timeout(self.timeout)
            .and_then(|conn| {
                conn.set_read_timeout(Some(self.timeout))?;
                conn.set_write_timeout(Some(self.timeout))?;
                Ok(conn)
            });
        match conn {
            Ok(conn) => {
                *retry_at = None;
                Some(conn)
            }
            Err(error) => {
                *retry_at = Some(Instant::now() + crate::RETRY_INTERVAL);
                let error = crate::target::redact(&error.to_string());
                tracing::debug!(target_url = %self.target, %error, "cannot connect");
                None
            }
        }
    }

    fn claim_now(&self, key: &ClaimKey, window: Duration) -> Claim {
        let Some(mut conn) = self.connection() else {
            return Claim::Unavailable;
        };
        let command = claim_command(&self.prefix, key, &self.owner, window);
        match command.query::<redis::Value>(&mut conn) {
            Ok(reply) => {
                self.idle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(conn);
                verdict(reply)
            }
            Err(error) => {
                // Dropped: a connection that timed out may still deliver the late reply.
                let error = crate::target::redact(&error.to_string());
                tracing::debug!(target_url = %self.target, %error, "claim unanswered");
                Claim::Unavailable
            }
        }
    }
}

impl ClaimStore for BlockingRedisDedupe {
    fn claim(&self, key: ClaimKey, window: Duration) -> BoxFuture<'static, Claim> {
        let claim = self.claim_now(&key, window);
        Box::pin(std::future::ready(claim))
    }
}

impl fmt::Debug for BlockingRedisDedupe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingRedisDedupe")
            .field("target", &self.target)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}
