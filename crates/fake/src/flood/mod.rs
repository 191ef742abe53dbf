//! `Flood`: the fake Slack as a load generator, for benchmarks. Where [`FakeSlack`] plays a
//! script of tens of envelopes and keeps a report per delivery, a flood pushes the recorded
//! envelopes as fast as the client acks them (at most N unacked) or at a fixed rate, and keeps
//! only counters and a latency histogram.
//!
//! Like the rest of the fake it is sans-IO: the wrapper asks [`Flood::next_frame`] for frames
//! to write (each a recorded envelope stamped with fresh ids, returned as a slice of a
//! pre-serialised template: no allocation, no serialisation), passes every text frame the
//! client sends to [`Flood::handle_text`], and sleeps until [`Flood::poll_timeout`] when paced.
//! Latency is measured on the wrapper's clock, from the `now` a frame was taken (just before
//! it is written) to the `now` its ack was read.
//!
//! Ids are unique per delivery (`envelope_id`, and `payload.event_id` for Events API, so a
//! client's dedupe sees fresh envelopes) and of fixed width; an ack is matched by finding
//! `"envelope_id"` with `memchr` and reading the slot and sequence number back from the id.
//!
//! [`FakeSlack`]: super::FakeSlack

mod slots;
mod template;

use std::fmt;
use std::time::Duration;

use memchr::memmem;
use serde::Serialize;

use hdrhistogram::Histogram;
use slackline::Instant;
use slots::{Matched, Slots};
use template::{parse_envelope_id, Template, ENVELOPE_ID_LEN};

/// Unacked envelopes at most, by default.
pub const DEFAULT_MAX_UNACKED: u32 = 1000;
/// Slices a run is cut into for the flatness report, by default.
pub const DEFAULT_SLICES: u32 = 10;

/// How frames are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// As fast as acks free room in the window.
    Window,
    /// This many envelopes per second (and never more than the window).
    Rate(u32),
}

/// What a flood sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FloodConfig {
    envelopes: u64,
    max_unacked: u32,
    pace: Pace,
    slices: u32,
}

impl FloodConfig {
    /// `envelopes` deliveries, at most [`DEFAULT_MAX_UNACKED`] unacked, as fast as acked.
    pub fn new(envelopes: u64) -> Self {
        FloodConfig {
            envelopes,
            max_unacked: DEFAULT_MAX_UNACKED,
            pace: Pace::Window,
            slices: DEFAULT_SLICES,
        }
    }

    /// At most this many envelopes unacked (at least 1).
    pub fn max_unacked(mut self, n: u32) -> Self {
        self.max_unacked = n.max(1);
        self
    }

    /// Sends at this pace.
    pub fn pace(mut self, pace: Pace) -> Self {
        self.pace = match pace {
            Pace::Rate(r) => Pace::Rate(r.max(1)),
            window => window,
        };
        self
    }

    /// Cuts the report into this many slices of equal ack counts (at least 1).
    pub fn slices(mut self, n: u32) -> Self {
        self.slices = n.max(1);
        self
    }

    /// Deliveries planned.
    pub fn envelopes(&self) -> u64 {
        self.envelopes
    }
}

/// Why a flood could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FloodError(String);

impl fmt::Display for FloodError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FloodError {}

/// The load generator. See the module documentation.
#[derive(Clone)]
pub struct Flood {
    config: FloodConfig,
    templates: Vec<Template>,
    next_template: usize,
    slots: Slots,
    finder: memmem::Finder<'static>,
    sent: u64,
    acked: u64,
    stale_acks: u64,
    foreign_acks: u64,
    other_frames: u64,
    window_full: u64,
    started_at: Option<Instant>,
    last_ack_at: Option<Instant>,
    latency: Latencies,
    slice: Latencies,
    slice_started_at: Option<Instant>,
    slices: Vec<SliceReport>,
}

impl fmt::Debug for Flood {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flood")
            .field("config", &self.config)
            .field("templates", &self.templates.len())
            .field("sent", &self.sent)
            .field("acked", &self.acked)
            .field("in_flight", &self.slots.in_flight())
            .finish_non_exhaustive()
    }
}

impl Flood {
    /// A flood of the envelopes among `frames` (file name, contents: a directory such as
    /// `traffic/socket-mode/`, read by the caller): every `events_api`, `interactive` and
    /// `slash_commands` frame with an `envelope_id`, in name order, round robin. Other frames
    /// (`hello`, `disconnect`) are left out.
    pub fn new<N, C>(
        config: FloodConfig,
        frames: impl IntoIterator<Item = (N, C)>,
    ) -> Result<Flood, FloodError>
    where
        N: AsRef<str>,
        C: AsRef<str>,
    {
        let mut named: Vec<(N, C)> = frames.into_iter().collect();
        named.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
        let mut templates = Vec::new();
        for (name, text) in &named {
            match Template::from_frame(name.as_ref(), text.as_ref()) {
                Some(Ok(template)) => templates.push(template),
                Some(Err(e)) => return Err(FloodError(e)),
                None => {}
            }
        }
        if templates.is_empty() {
            return Err(FloodError(
                "no envelopes (events_api, interactive or slash_commands frames with an envelope_id)"
                    .into(),
            ));
        }
        Ok(Flood {
            config,
            templates,
            next_template: 0,
            slots: Slots::new(config.max_unacked),
            finder: memmem::Finder::new(b"\"envelope_id\"").into_owned(),
            sent: 0,
            acked: 0,
            stale_acks: 0,
            foreign_acks: 0,
            other_frames: 0,
            window_full: 0,
            started_at: None,
            last_ack_at: None,
            latency: Latencies::new(),
            slice: Latencies::new(),
            slice_started_at: None,
            slices: Vec::with_capacity(config.slices as usize + 1),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &FloodConfig {
        &self.config
    }

    /// The recorded envelopes it cycles through (file names).
    pub fn template_names(&self) -> impl Iterator<Item = &str> {
        self.templates.iter().map(|t| t.name.as_str())
    }

    /// The next frame to send at `now`, if the plan, the window and the pace allow one: a
    /// recorded envelope with fresh ids. The slice is valid until the next call.
    pub fn next_frame(&mut self, now: Instant) -> Option<&[u8]> {
        if self.sent >= self.config.envelopes {
            return None;
        }
        let started = *self.started_at.get_or_insert(now);
        if let Pace::Rate(_) = self.config.pace {
            if self.due_at(started, self.sent) > now {
                return None;
            }
        }
        let seq = self.sent;
        let Some(slot) = self.slots.take(seq, now) else {
            if matches!(self.config.pace, Pace::Rate(_)) {
                self.window_full += 1;
            }
            return None;
        };
        self.sent += 1;
        self.slice_started_at.get_or_insert(now);
        let i = self.next_template;
        self.next_template = (i + 1) % self.templates.len();
        let template = &mut self.templates[i];
        template.stamp(slot, seq);
        Some(&template.bytes)
    }

    /// When the next paced frame is due (`None` when not paced, when everything has been
    /// sent, or while the window is full: an ack frees it).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let Pace::Rate(_) = self.config.pace else {
            return None;
        };
        if self.sent >= self.config.envelopes || self.slots.is_full() {
            return None;
        }
        Some(match self.started_at {
            Some(started) => self.due_at(started, self.sent),
            None => Instant::ZERO,
        })
    }

    /// When delivery `seq` is due when paced: `seq / rate` seconds after the first.
    fn due_at(&self, started: Instant, seq: u64) -> Instant {
        let Pace::Rate(rate) = self.config.pace else {
            return started;
        };
        let nanos = u128::from(seq) * 1_000_000_000 / u128::from(rate);
        started + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// A text frame from the client at `now`: an ack is matched to its delivery by its id.
    /// Frames that are not acks, and acks of ids the flood did not send or already saw, are
    /// only counted.
    pub fn handle_text(&mut self, now: Instant, text: &[u8]) {
        let Some(id) = self.ack_id(text) else {
            self.other_frames += 1;
            return;
        };
        let Some((slot, seq)) = parse_envelope_id(id) else {
            self.foreign_acks += 1;
            return;
        };
        match self.slots.release(slot, seq) {
            Matched::InFlight { sent_at } => {
                let latency = now.saturating_duration_since(sent_at);
                self.latency.record(latency);
                self.slice.record(latency);
                self.acked += 1;
                self.last_ack_at = Some(now);
                self.close_slice_if_due(now);
            }
            Matched::NotInFlight => self.stale_acks += 1,
        }
    }

    /// The contents of the `envelope_id` string of an ack, if it has one of the flood's width.
    fn ack_id<'t>(&self, text: &'t [u8]) -> Option<&'t [u8]> {
        let after_key = self.finder.find(text)? + self.finder.needle().len();
        let mut rest = text.get(after_key..)?;
        let trim = |r: &'t [u8]| -> &'t [u8] {
            let skip = r
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .count();
            &r[skip..]
        };
        rest = trim(rest).strip_prefix(b":")?;
        rest = trim(rest).strip_prefix(b"\"")?;
        // The flood's ids have a fixed width: look for the closing quote there first.
        let end = if rest.get(ENVELOPE_ID_LEN) == Some(&b'"') {
            ENVELOPE_ID_LEN
        } else {
            memchr::memchr(b'"', rest)?
        };
        Some(&rest[..end])
    }

    fn close_slice_if_due(&mut self, now: Instant) {
        let per_slice = self
            .config
            .envelopes
            .div_ceil(u64::from(self.config.slices))
            .max(1);
        if self.acked % per_slice != 0 && self.acked != self.config.envelopes {
            return;
        }
        let started = self.slice_started_at.unwrap_or(now);
        let seconds = now.saturating_duration_since(started).as_secs_f64();
        let acks = self.slice.histogram.len();
        self.slices.push(SliceReport {
            acks,
            seconds,
            acks_per_s: rate(acks, seconds),
            latency_us: LatencySummary::of(&self.slice),
        });
        self.slice = Latencies::new();
        self.slice_started_at = Some(now);
    }

    /// Whether every planned envelope has been sent and acked.
    pub fn is_finished(&self) -> bool {
        self.acked >= self.config.envelopes
    }

    /// Envelopes sent and not acked yet.
    pub fn in_flight(&self) -> usize {
        self.slots.in_flight()
    }

    /// Envelopes acked so far.
    pub fn acked(&self) -> u64 {
        self.acked
    }

    /// What happened so far.
    pub fn report(&self) -> FloodReport {
        let elapsed = match (self.started_at, self.last_ack_at) {
            (Some(start), Some(end)) => end.saturating_duration_since(start).as_secs_f64(),
            _ => 0.0,
        };
        let frame_bytes = self.templates.iter().map(|t| t.bytes.len()).sum::<usize>()
            / self.templates.len().max(1);
        FloodReport {
            envelopes: self.config.envelopes,
            pace: match self.config.pace {
                Pace::Window => "window".into(),
                Pace::Rate(r) => format!("{r}/s"),
            },
            max_unacked: self.config.max_unacked,
            templates: self.templates.len(),
            mean_frame_bytes: frame_bytes,
            finished: self.is_finished(),
            sent: self.sent,
            acked: self.acked,
            in_flight: self.slots.in_flight() as u64,
            stale_acks: self.stale_acks,
            foreign_acks: self.foreign_acks,
            other_frames: self.other_frames,
            window_full: self.window_full,
            elapsed_s: elapsed,
            acks_per_s: rate(self.acked, elapsed),
            latency_us: LatencySummary::of(&self.latency),
            slices: self.slices.clone(),
        }
    }
}

fn rate(count: u64, seconds: f64) -> f64 {
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

/// What a flood did.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FloodReport {
    /// Deliveries planned.
    pub envelopes: u64,
    /// `window`, or the rate (`1000/s`).
    pub pace: String,
    /// The window: envelopes unacked at most.
    pub max_unacked: u32,
    /// Distinct recorded envelopes cycled through.
    pub templates: usize,
    /// Their mean size in bytes.
    pub mean_frame_bytes: usize,
    /// Every planned delivery sent and acked.
    pub finished: bool,
    /// Deliveries sent.
    pub sent: u64,
    /// Deliveries acked (first ack of each).
    pub acked: u64,
    /// Sent and not acked.
    pub in_flight: u64,
    /// Acks of deliveries already acked.
    pub stale_acks: u64,
    /// Acks with an id the flood never sent.
    pub foreign_acks: u64,
    /// Text frames that were not acks.
    pub other_frames: u64,
    /// Paced frames held back because the window was full (the client was behind).
    pub window_full: u64,
    /// From the first frame sent to the last ack read, in seconds.
    pub elapsed_s: f64,
    /// `acked / elapsed_s`.
    pub acks_per_s: f64,
    /// Ack latency (frame taken for writing to ack read), in microseconds.
    pub latency_us: LatencySummary,
    /// The run cut into slices of equal ack counts, in order: flat rates and latencies mean
    /// the cost does not grow with the envelopes already handled.
    pub slices: Vec<SliceReport>,
}

/// Latency quantiles, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LatencySummary {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

/// Ack latencies in nanoseconds: a histogram from 1 ns to an hour at three significant digits
/// (any value is reported within 0.1 % of itself; longer ones count as an hour), and the exact
/// maximum, which the histogram only knows to its precision.
#[derive(Clone, Debug)]
struct Latencies {
    histogram: Histogram<u64>,
    max: u64,
}

impl Latencies {
    fn new() -> Self {
        const HOUR_NS: u64 = 3_600_000_000_000;
        Latencies {
            histogram: Histogram::new_with_bounds(1, HOUR_NS, 3).expect("valid histogram bounds"),
            max: 0,
        }
    }

    fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.histogram.saturating_record(nanos);
        self.max = self.max.max(nanos);
    }
}

impl LatencySummary {
    fn of(latencies: &Latencies) -> Self {
        let h = &latencies.histogram;
        let us = |nanos: u64| nanos.min(latencies.max) as f64 / 1e3;
        LatencySummary {
            p50: us(h.value_at_quantile(0.50)),
            p90: us(h.value_at_quantile(0.90)),
            p99: us(h.value_at_quantile(0.99)),
            p999: us(h.value_at_quantile(0.999)),
            max: us(latencies.max),
            mean: h.mean() / 1e3,
        }
    }
}

/// One slice of a run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SliceReport {
    /// Acks in the slice.
    pub acks: u64,
    /// Its duration, in seconds.
    pub seconds: f64,
    /// `acks / seconds`.
    pub acks_per_s: f64,
    /// Latency of its acks.
    pub latency_us: LatencySummary,
}

#[cfg(test)]
mod tests;
