//! One async connection to Redis that fails fast while Redis is away: every command is bounded
//! by a response timeout; a connection that broke is dropped, and a new one is tried at most
//! once per [`RETRY_INTERVAL`](crate::RETRY_INTERVAL), other callers meanwhile told at once that Redis is unavailable.
//! So a store built on it answers within its bound whether Redis is up, slow or gone, and
//! resumes by itself when Redis is back.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures_util::future::{FutureExt, Shared};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, FromRedisValue};
use slackline_client::BoxFuture;

use crate::error::Error;
use crate::target::RedisTarget;

use crate::RETRY_INTERVAL;

/// Why a command got no answer.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No connection (being made, or waiting for the next attempt), the command timed out, or
    /// the connection broke: try again later.
    Unavailable(String),
    /// Redis answered with an error (a bug or a misconfiguration, not an outage).
    Refused(redis::RedisError),
}

impl Failure {
    pub(crate) fn into_error(self, target: &RedisTarget) -> Error {
        match self {
            Failure::Refused(e) => Error::redis(target, e),
            Failure::Unavailable(detail) => Error::Redis {
                target: target.to_string(),
                detail,
            },
        }
    }
}

pub(crate) struct Link {
    target: RedisTarget,
    client: redis::Client,
    config: AsyncConnectionConfig,
    state: Mutex<State>,
}

/// A connection attempt, awaited by every caller that needs the connection meanwhile.
type Attempt = Shared<BoxFuture<'static, Result<MultiplexedConnection, String>>>;

#[derive(Default)]
struct State {
    conn: Option<(u64, MultiplexedConnection)>,
    generation: u64,
    /// The attempt under way, and its number.
    connecting: Option<(u64, Attempt)>,
    attempts: u64,
    retry_at: Option<Instant>,
}

impl Link {
    /// A link whose commands (and connection attempts) each take at most `timeout`.
    pub(crate) fn new(target: RedisTarget, timeout: Duration) -> Result<Self, Error> {
        let client = target.client()?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout));
        Ok(Link {
            target,
            client,
            config,
            state: Mutex::default(),
        })
    }

    pub(crate) fn target(&self) -> &RedisTarget {
        &self.target
    }

    /// Runs `command`, connecting first if needed.
    pub(crate) async fn query<T: FromRedisValue>(
        &self,
        command: &redis::Cmd,
    ) -> Result<T, Failure> {
        let (generation, mut conn) = self.connection().await?;
        let result = command.query_async(&mut conn).await;
        self.settle(generation, result)
    }

    /// Runs `pipeline` (a `MULTI`/`EXEC` transaction if it was built atomic).
    pub(crate) async fn query_pipeline<T: FromRedisValue>(
        &self,
        pipeline: &redis::Pipeline,
    ) -> Result<T, Failure> {
        let (generation, mut conn) = self.connection().await?;
        let result = pipeline.query_async(&mut conn).await;
        self.settle(generation, result)
    }

    fn settle<T>(&self, generation: u64, result: redis::RedisResult<T>) -> Result<T, Failure> {
        match result {
            Ok(value) => Ok(value),
            Err(e) if e.is_timeout() => Err(Failure::Unavailable("no answer in time".into())),
            Err(e)
                if e.is_io_error() || e.is_connection_dropped() || e.is_unrecoverable_error() =>
            {
                // This connection is done; the next caller makes another.
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                if state.conn.as_ref().is_some_and(|(g, _)| *g == generation) {
                    state.conn = None;
                }
                Err(Failure::Unavailable(crate::target::redact(&e.to_string())))
            }
            Err(e) => Err(Failure::Refused(e)),
        }
    }

    /// The connection; a new one if none is open and it is time to try (callers meanwhile
    /// wait for the same attempt, each within its bound).
    async fn connection(&self) -> Result<(u64, MultiplexedConnection), Failure> {
        let (attempt, connecting) = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((generation, conn)) = &state.conn {
                return Ok((*generation, conn.clone()));
            }
            match &state.connecting {
                Some((attempt, connecting)) => (*attempt, connecting.clone()),
                None => {
                    if state.retry_at.is_some_and(|at| Instant::now() < at) {
                        return Err(Failure::Unavailable("not connected".into()));
                    }
                    let (client, config) = (self.client.clone(), self.config.clone());
                    let connecting: BoxFuture<'static, _> = Box::pin(async move {
                        client
                            .get_multiplexed_async_connection_with_config(&config)
                            .await
                            .map_err(|e| crate::target::redact(&e.to_string()))
                    });
                    state.attempts += 1;
                    let attempt = (state.attempts, connecting.shared());
                    state.connecting = Some(attempt.clone());
                    attempt
                }
            }
        };
        let connected = connecting.await;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state
            .connecting
            .as_ref()
            .is_some_and(|(a, _)| *a == attempt)
        {
            // The first caller back settles the attempt for all.
            state.connecting = None;
            match &connected {
                Ok(conn) => {
                    state.generation += 1;
                    state.retry_at = None;
                    state.conn = Some((state.generation, conn.clone()));
                }
                Err(_) => state.retry_at = Some(Instant::now() + RETRY_INTERVAL),
            }
        }
        match (connected, &state.conn) {
            (Ok(_), Some((generation, conn))) => Ok((*generation, conn.clone())),
            (Ok(conn), None) => Ok((state.generation, conn)),
            (Err(detail), _) => Err(Failure::Unavailable(detail)),
        }
    }
}
