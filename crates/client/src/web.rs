//! What both Web API clients decide alike: when a rate-limited call is tried again.

use std::time::Duration;

use slackline::{ApiError, ApiResponse};

/// Rate-limited calls are retried this many times by default.
pub const DEFAULT_RATE_LIMIT_RETRIES: u32 = 2;
/// Longest `Retry-After` the client waits out by itself; longer ones return the error.
pub const DEFAULT_MAX_RETRY_WAIT: Duration = Duration::from_secs(60);
/// Wait after a 429 that carries no `Retry-After`.
const FALLBACK_RETRY_WAIT: Duration = Duration::from_secs(1);

/// When a rate-limited Web API call is tried again.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Retries allowed per call.
    pub retries: u32,
    /// Longest `Retry-After` waited out; longer ones return the error.
    pub max_wait: Duration,
}

impl RetryPolicy {
    /// How long to wait before retry number `done + 1`, or `None` to return `result` as is.
    pub fn wait(&self, result: &Result<ApiResponse, ApiError>, done: u32) -> Option<Duration> {
        match result {
            Err(ApiError::RateLimited { retry_after }) if done < self.retries => {
                Some(retry_after.unwrap_or(FALLBACK_RETRY_WAIT)).filter(|w| *w <= self.max_wait)
            }
            _ => None,
        }
    }
}
