//! Converts between the runtime's clock and the core's [`slackline::Instant`], which counts from
//! an epoch the driver picks: the moment it started.

use std::time::{Duration, Instant as StdInstant};

use crate::runtime::Runtime;

/// The driver's epoch, for both directions of conversion.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Clock {
    epoch: StdInstant,
}

/// A deadline too far away to represent: sleep "forever" (a year is plenty, and it is re-armed
/// whenever the session's deadline changes anyway).
const FAR: Duration = Duration::from_secs(365 * 24 * 3600);

impl Clock {
    pub(crate) fn start<R: Runtime>(runtime: &R) -> Self {
        Clock {
            epoch: runtime.now(),
        }
    }

    pub(crate) fn now<R: Runtime>(&self, runtime: &R) -> slackline::Instant {
        slackline::Instant::from_elapsed(runtime.now().saturating_duration_since(self.epoch))
    }

    pub(crate) fn to_std(self, at: slackline::Instant) -> StdInstant {
        let since = at.elapsed_since_epoch().min(FAR);
        self.epoch
            .checked_add(since)
            .or_else(|| self.epoch.checked_add(FAR))
            .unwrap_or(self.epoch)
    }
}
