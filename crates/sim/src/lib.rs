//! Testing bots in process: a [`Session`] wired to a [`FakeSlack`] in virtual time.
//!
//! The [`Harness`] carries every action of the session to the fake and every output of the fake
//! back, with a fixed one-way latency, and always jumps to the earliest thing that can happen
//! next (a deadline of either side, a packet arriving, a wake-up the bot asked for), as str0m's
//! and quinn's two-peer tests do. No sockets, no sleeps: a script that spans five hours of
//! connection refreshes runs in milliseconds, and the same script gives the same run every time.
//!
//! [`Harness::with_faults`] runs it under a [`FaultPlan`]: a faulty network (seeded jitter,
//! drops, duplicates, corruption, partitions, half-open and reset connections) and Slack-side
//! faults (failing or unanswered URL requests, refused handshakes, any `disconnect`, closes,
//! silence, redeliveries, and for a while a refresh after every hello, echoed frames or a
//! second-long announced lifetime) at given times. Every run, faulty or not, is watched by an [`Audit`]
//! of the session's invariants; [`Outcome::breaches`] lists what it broke.
//!
//! Your bot is a closure (or a [`Bot`]) that sees every dispatched [`Event`] and reacts through
//! [`Ctx`]: ack with a response payload, send RTM messages, call the Web API, wake up later.
//! The run returns an [`Outcome`]: the events, the frames the client sent, the fake's
//! [`Verdict`], and optionally a [`Transcript`].
//!
//! ```
//! use serde_json::json;
//! use slackline_fake::Script;
//! use slackline_sim::{Ctx, Harness};
//! use slackline::{Config, Event};
//!
//! let script = Script::parse(r#"
//! {"slackline_script":1,"name":"echo"}
//! {"envelope":{"type":"slash_commands","payload":{"command":"/echo","text":"hi"}},"label":"cmd"}
//! {"after":"5h","envelope":{"type":"events_api","payload":{"event_id":"Ev1","event":{"type":"app_mention"}}}}
//! {"after":"1s","disconnect":"link_disabled"}
//! "#).unwrap();
//!
//! let config = Config::socket_mode("xapp-1-A0FAKEAPP01-1-not-a-real-token");
//! let outcome = Harness::new(config, script).unwrap().run(|ctx: &mut Ctx<'_>, event: &Event| {
//!     // Slash commands wait for the app's ack, which may carry the response.
//!     if let Event::Envelope(envelope) = event {
//!         if envelope.accepts_response_payload() {
//!             let id = envelope.envelope_id().into_owned();
//!             ctx.ack_with(&id, &json!({ "text": "echo: hi" })).unwrap();
//!         }
//!     }
//! });
//!
//! assert!(outcome.verdict.ok, "{}", outcome.verdict.summary_text());
//! assert_eq!(outcome.verdict.summary.acks_with_payload, 1);
//! assert_eq!(outcome.envelopes().count(), 2);
//! // Five hours of virtual time: the connection was refreshed on the way.
//! assert!(outcome.stats.hellos >= 2);
//! ```

mod audit;
mod bot;
mod chaos;
mod faults;
mod network;
mod rng;
mod run;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use slackline::Envelope;
use slackline::HttpResponse;
use slackline::Instant;
use slackline::{Config, ConfigError, Mode, RtmConnect};
use slackline::{ConnId, RequestId};
use slackline::{Event, StopReason};
use slackline::{Session, Stats};
use slackline_fake::{FakeConfig, FakeSlack, Script, Verdict};
use slackline_transcript::{Recorder, Transcript};

pub use audit::{Audit, Breach, Rule};
use bot::FnBot;
pub use bot::{Bot, Ctx};
pub use faults::{
    Direction, Fault, FaultPlan, FaultProfile, NetFaults, TimedFault, Which, FAULTS_VERSION,
};
pub use network::{Fate, NetStats, Network, Wire};
use run::{Chaos, Run};

/// One-way latency between the client and the fake unless set otherwise.
pub const DEFAULT_LATENCY: Duration = Duration::from_millis(2);
/// Virtual time a run may take unless set otherwise.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(48 * 3600);

/// When something happened.
#[derive(Clone, Debug)]
pub struct Timed<T> {
    /// Virtual time.
    pub at: Instant,
    /// What.
    pub value: T,
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ending {
    /// The fake's script finished (the verdict is final).
    Finished,
    /// The time limit was reached first.
    TimeLimit,
    /// Nothing was left to happen on either side before the script finished.
    Idle,
    /// Time stopped advancing (a deadline that never clears): a bug, described.
    Stalled(String),
}

/// What happened in a run.
#[derive(Debug)]
#[non_exhaustive]
pub struct Outcome {
    /// The fake's report on the client.
    pub verdict: Verdict,
    /// Every event the session dispatched.
    pub events: Vec<Timed<Event>>,
    /// Every text frame the client sent (acks, RTM messages), with its connection.
    pub sent: Vec<Timed<(ConnId, String)>>,
    /// Answers to the bot's own Web API calls.
    pub api_responses: Vec<Timed<(RequestId, HttpResponse)>>,
    /// Why the run ended.
    pub ending: Ending,
    /// Virtual time the run took.
    pub elapsed: Duration,
    /// The session's counters.
    pub stats: Stats,
    /// Why the session stopped, if it did.
    pub stop_reason: Option<StopReason>,
    /// The client's side of the run, if recording was asked for.
    pub transcript: Option<Transcript>,
    /// Every invariant the session broke (see [`Audit`]); empty for a correct client.
    pub breaches: Vec<Breach>,
    /// What the faults did.
    pub chaos: ChaosReport,
}

/// What the fault plan did to a run.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ChaosReport {
    /// What the network did to the packets.
    pub network: NetStats,
    /// Discrete faults applied.
    pub faults_applied: u32,
    /// Discrete faults that found nothing to act on (no connection, no socket).
    pub faults_skipped: u32,
    /// `envelope_id`s of frames corrupted on their way to the client: such an envelope may be
    /// acked (its id salvaged) without ever being dispatched.
    pub corrupted_envelopes: BTreeSet<String>,
}

impl Outcome {
    /// The envelopes dispatched to the bot (redeliveries suppressed by the session not included).
    pub fn envelopes(&self) -> impl Iterator<Item = &Envelope> {
        self.events.iter().filter_map(|e| match &e.value {
            Event::Envelope(envelope) => Some(envelope),
            _ => None,
        })
    }

    /// The text frames the client sent, in order.
    pub fn sent_texts(&self) -> impl Iterator<Item = &str> {
        self.sent.iter().map(|s| s.value.1.as_str())
    }
}

/// A [`Session`] and a [`FakeSlack`] in virtual time. See the module documentation.
#[derive(Debug)]
pub struct Harness {
    session: Session,
    script: Script,
    fake_config: FakeConfig,
    faults: FaultPlan,
    time_limit: Duration,
    record: bool,
    note: Option<String>,
}

impl Harness {
    /// A harness for a session with `config` against a fake playing `script`.
    pub fn new(config: Config, script: Script) -> Result<Self, ConfigError> {
        let session = Session::new(config, Instant::ZERO)?;
        Ok(Harness {
            session,
            script,
            fake_config: FakeConfig::new(),
            faults: FaultPlan::clean(DEFAULT_LATENCY.as_millis() as u64),
            time_limit: DEFAULT_TIME_LIMIT,
            record: false,
            note: None,
        })
    }

    /// The fake's configuration (accepted tokens, WebSocket base URL).
    pub fn with_fake_config(mut self, config: FakeConfig) -> Self {
        self.fake_config = config;
        self
    }

    /// One-way latency of every packet (default 2 ms), in whole milliseconds.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.faults.net.latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self
    }

    /// Runs under this fault plan: a faulty network and faults at given times (see
    /// [`FaultPlan`]). Replaces the latency set with [`with_latency`](Self::with_latency).
    pub fn with_faults(mut self, plan: FaultPlan) -> Self {
        self.faults = plan;
        self
    }

    /// Stop after this much virtual time (default 48 h).
    pub fn with_time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = limit;
        self
    }

    /// Record the client's side as a [`Transcript`] (in [`Outcome::transcript`]).
    pub fn with_transcript(mut self, note: Option<String>) -> Self {
        self.record = true;
        self.note = note;
        self
    }

    /// Runs the script to its end with a closure bot.
    pub fn run(self, bot: impl FnMut(&mut Ctx<'_>, &Event)) -> Outcome {
        self.run_bot(FnBot(bot))
    }

    /// Runs the script to its end with a bot that does nothing (deferred acks are left to the
    /// session's late-ack policy).
    pub fn run_quietly(self) -> Outcome {
        self.run(|_, _| {})
    }

    /// Runs the script to its end with `bot`.
    pub fn run_bot<B: Bot>(self, bot: B) -> Outcome {
        let start = Instant::ZERO;
        let transcript = self
            .record
            .then(|| Transcript::new(Recorder::header(self.session.config(), self.note.clone())));
        let fake = FakeSlack::new(self.script, self.fake_config, start);
        let audit = Audit::new(self.session.config());
        let url_method = match self.session.config().mode() {
            Mode::SocketMode => "apps.connections.open",
            Mode::Rtm(RtmConnect::Start(_)) => "rtm.start",
            _ => "rtm.connect",
        };
        let mut pending = self.faults.faults;
        pending.sort_by_key(|f| f.at_ms);
        let chaos = Chaos {
            pending: pending.into(),
            ..Chaos::default()
        };
        let mut run = Run {
            session: self.session,
            fake,
            bot,
            net: Network::new(self.faults.net, self.faults.seed),
            links: Vec::new(),
            calls: BTreeMap::new(),
            bot_calls: Vec::new(),
            wakes: BTreeSet::new(),
            recorder: Recorder::new(start),
            transcript,
            events: Vec::new(),
            sent: Vec::new(),
            api_responses: Vec::new(),
            now: start,
            audit,
            chaos,
            url_method,
        };
        let ending = run.until_finished(start + self.time_limit);
        run.audit.finish(run.now, &run.session);
        Outcome {
            verdict: run.fake.verdict(),
            events: run.events,
            sent: run.sent,
            api_responses: run.api_responses,
            ending,
            elapsed: run.now - start,
            stats: run.session.stats().clone(),
            stop_reason: run.session.stop_reason().cloned(),
            transcript: run.transcript,
            breaches: run.audit.into_breaches(),
            chaos: ChaosReport {
                network: run.net.stats,
                faults_applied: run.chaos.applied,
                faults_skipped: run.chaos.skipped,
                corrupted_envelopes: run.chaos.corrupted_envelopes,
            },
        }
    }
}
