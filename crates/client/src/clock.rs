//! Converts between the driver's clock and the core's [`slackline::Instant`], which counts from
//! an epoch the driver picks: the moment it started.

use std::time::{Duration, Instant as StdInstant};

/// The driver's epoch, for both directions of conversion.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    epoch: StdInstant,
}

/// A deadline too far away to represent: sleep "forever" (a year is plenty, and it is re-armed
/// whenever the session's deadline changes anyway).
const FAR: Duration = Duration::from_secs(365 * 24 * 3600);

impl Clock {
    /// A clock whose `Instant::ZERO` is `epoch`.
    pub fn starting_at(epoch: StdInstant) -> Self {
        Clock { epoch }
    }

    /// `now` (read from the driver's clock) as a session instant.
    pub fn session_time(&self, now: StdInstant) -> slackline::Instant {
        slackline::Instant::from_elapsed(now.saturating_duration_since(self.epoch))
    }

    /// A session deadline on the driver's clock (far deadlines are capped at a year).
    pub fn to_std(self, at: slackline::Instant) -> StdInstant {
        let since = at.elapsed_since_epoch().min(FAR);
        self.epoch
            .checked_add(since)
            .or_else(|| self.epoch.checked_add(FAR))
            .unwrap_or(self.epoch)
    }
}
