//! Replay: a transcript's inbound side (network inputs and the application's calls) fed into a
//! fresh [`Session`] in virtual time, and what the session does now compared with what it did
//! when the transcript was recorded.

use std::fmt;
use std::time::Duration;

use serde_json::value::RawValue;
use slackline::{Config, ConfigError, Input, Instant, Session};

use super::line::seconds;
use super::{Direction, Entry, Record, Recorder, Transcript};

/// How to replay and compare.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ReplayOptions {
    /// A record matches only if its time differs by at most this much (default 1 s: a real
    /// driver fires timers a little late, a replay exactly on time).
    pub time_tolerance: Duration,
    /// Compare dispatched events too, not only network actions (default true).
    pub compare_events: bool,
    /// How far ahead to look for a matching record before calling one missing (default 16),
    /// so that a few reordered records are not reported as a divergence.
    pub window: usize,
    /// Replay with this configuration instead of the transcript's (to try a change).
    pub config: Option<Config>,
}

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            time_tolerance: Duration::from_secs(1),
            compare_events: true,
            window: 16,
            config: None,
        }
    }
}

impl ReplayOptions {
    /// Sets [`time_tolerance`](Self::time_tolerance).
    pub fn with_time_tolerance(mut self, tolerance: Duration) -> Self {
        self.time_tolerance = tolerance;
        self
    }

    /// Sets [`compare_events`](Self::compare_events).
    pub fn with_events_compared(mut self, compare: bool) -> Self {
        self.compare_events = compare;
        self
    }

    /// Sets [`window`](Self::window).
    pub fn with_window(mut self, window: usize) -> Self {
        self.window = window;
        self
    }

    /// Sets [`config`](Self::config).
    pub fn with_config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }
}

/// What the replay produced and where it differs from the recording.
#[derive(Clone, Debug)]
pub struct Replay {
    /// The session's actions and events in this replay, as records.
    pub produced: Vec<Record>,
    /// Recorded actions (and events) compared.
    pub compared: usize,
    /// Where the client now behaves differently, in time order.
    pub divergences: Vec<Divergence>,
    /// The session had far more timers to fire than the recording has records (a gap of
    /// years, say): the replay stopped firing them after its budget, so what would have
    /// happened in the gap is missing from `produced`.
    pub timers_cut_short: bool,
}

impl Replay {
    /// True when the session did exactly what the recording says (within the tolerance).
    pub fn is_faithful(&self) -> bool {
        self.divergences.is_empty()
    }
}

/// One difference between the recording and the replay.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Divergence {
    /// The recording has this action, the replay does not.
    Missing(Record),
    /// The replay has this action, the recording does not.
    Unexpected(Record),
}

impl Divergence {
    fn at(&self) -> Duration {
        match self {
            Divergence::Missing(r) | Divergence::Unexpected(r) => r.at,
        }
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Divergence::Missing(r) => write!(
                f,
                "at {}s the recording has {} but the client no longer does it: {}",
                seconds(r.at),
                r.entry.kind(),
                r.to_line()
            ),
            Divergence::Unexpected(r) => write!(
                f,
                "at {}s the client now does {}, which the recording does not have: {}",
                seconds(r.at),
                r.entry.kind(),
                r.to_line()
            ),
        }
    }
}

/// Why a replay could not run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplayError {
    /// The transcript's configuration is not valid.
    Config(ConfigError),
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::Config(e) => write!(f, "the transcript's configuration is invalid: {e}"),
        }
    }
}

impl std::error::Error for ReplayError {}

struct Player {
    session: Session,
    recorder: Recorder,
    produced: Vec<Record>,
    /// Timer firings left. A session fires about one timer per recorded action, so a budget
    /// proportional to the recording is plenty for any transcript it made, and bounds the work
    /// on one that has, say, a record 150 years after the others (found by fuzzing).
    timer_budget: usize,
    timers_cut_short: bool,
}

/// Timer firings a replay may spend beyond [`TIMERS_PER_RECORD`] per record.
const TIMER_BUDGET_BASE: usize = 10_000;
/// Timer firings a replay may spend per record of the transcript (a recording has about one
/// record per firing: the ping, the retry, the close it led to).
const TIMERS_PER_RECORD: usize = 10;

impl Player {
    fn drain(&mut self, now: Instant) {
        while let Some(action) = self.session.poll_action() {
            self.produced.push(self.recorder.action(now, &action));
        }
    }

    /// Fires every session deadline up to `until`, in order, within the timer budget.
    fn run_timers(&mut self, until: Instant) {
        while let Some(deadline) = self.session.poll_timeout().filter(|&d| d <= until) {
            if self.timer_budget == 0 {
                self.timers_cut_short = true;
                return;
            }
            self.timer_budget -= 1;
            self.session.handle_timeout(deadline);
            self.drain(deadline);
        }
    }

    fn feed(&mut self, now: Instant, entry: &Entry) {
        let Entry::Input(input) = entry else { return };
        let input = match input {
            // A payload the recording could not keep as JSON was sent bare.
            Input::Ack {
                envelope_id,
                payload: Some(payload),
            } if serde_json::from_str::<&RawValue>(payload).is_err() => Input::Ack {
                envelope_id: envelope_id.clone(),
                payload: None,
            },
            other => other.clone(),
        };
        // The outcome of the app's calls is part of what gets compared (as actions and
        // events), so their results are not needed here.
        let _ = self.session.handle(now, input);
    }
}

/// Replays `transcript` into a fresh session and compares what it does with the recording.
pub fn replay(transcript: &Transcript, options: &ReplayOptions) -> Result<Replay, ReplayError> {
    let config = match &options.config {
        Some(config) => config.clone(),
        None => transcript.header.config.clone(),
    };
    let start = Instant::ZERO;
    let session = Session::new(config, start).map_err(ReplayError::Config)?;
    let mut player = Player {
        session,
        recorder: Recorder::new(start),
        produced: Vec::new(),
        timer_budget: TIMER_BUDGET_BASE
            .saturating_add(transcript.records.len().saturating_mul(TIMERS_PER_RECORD)),
        timers_cut_short: false,
    };
    player.drain(start);
    for record in &transcript.records {
        let now = start + record.at;
        player.run_timers(now);
        if matches!(record.entry.direction(), Direction::In | Direction::App) {
            player.feed(now, &record.entry);
            player.drain(now);
        }
    }
    if let Some(last) = transcript.records.last() {
        player.run_timers(start + last.at);
    }
    let (compared, divergences) = compare_records(&transcript.records, &player.produced, options);
    Ok(Replay {
        compared,
        produced: player.produced,
        divergences,
        timers_cut_short: player.timers_cut_short,
    })
}

/// Compares what a client did (`produced`: records of a replay, or of a live client in
/// virtual time) with a recording, as [`replay`] does: the actions (and, with
/// [`ReplayOptions::compare_events`], the events) of both, matched within the options'
/// tolerance and window. Returns how many recorded records were compared and the differences,
/// in time order.
pub fn compare_records(
    recorded: &[Record],
    produced: &[Record],
    options: &ReplayOptions,
) -> (usize, Vec<Divergence>) {
    let compared_kinds = |r: &&Record| match r.entry.direction() {
        Direction::Out => true,
        Direction::Event => options.compare_events,
        _ => false,
    };
    let expected: Vec<&Record> = recorded.iter().filter(compared_kinds).collect();
    let actual: Vec<&Record> = produced.iter().filter(compared_kinds).collect();
    (expected.len(), compare(&expected, &actual, options))
}

/// Matches each expected record with an unused actual one a little ahead (same entry, time
/// within the tolerance); what is left over on either side diverges. The window follows the
/// matches: an actual record nothing matched (something the client now does) falls behind
/// it and is reported, instead of holding the window back for every record after it.
fn compare(expected: &[&Record], actual: &[&Record], options: &ReplayOptions) -> Vec<Divergence> {
    let window = options.window.max(1);
    let mut used = vec![false; actual.len()];
    let mut first_unused = 0;
    // Just after the latest match.
    let mut next: usize = 0;
    let mut divergences = Vec::new();
    for e in expected {
        while first_unused < actual.len() && used[first_unused] {
            first_unused += 1;
        }
        let window_start = first_unused.max(next.saturating_sub(window));
        let window_end = (next.max(first_unused) + window).min(actual.len());
        let found = (window_start..window_end).find(|&j| {
            !used[j]
                && actual[j].entry == e.entry
                && actual[j].at.abs_diff(e.at) <= options.time_tolerance
        });
        match found {
            Some(j) => {
                used[j] = true;
                next = next.max(j + 1);
            }
            None => divergences.push(Divergence::Missing((*e).clone())),
        }
    }
    for (j, a) in actual.iter().enumerate() {
        if !used[j] {
            divergences.push(Divergence::Unexpected((*a).clone()));
        }
    }
    divergences.sort_by_key(Divergence::at);
    divergences
}
