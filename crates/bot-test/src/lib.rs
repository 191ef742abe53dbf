//! # slackline-bot-test: your bot, in virtual time, against the fake Slack
//!
//! Runs **your** bot — the real `slackline_tokio::SocketModeClient` (or `RtmClient`) with
//! your async handlers, and your Web API calls through the real `slackline_tokio::WebClient`
//! — against the in-process fake Slack of `slackline-fake`, with no sockets and a virtual
//! clock. A script spanning five hours of connection refreshes, redeliveries and disconnects
//! runs in a fraction of a second, and the same seed and script give the same run, transcript
//! for transcript, byte for byte.
//!
//! ```
//! use serde_json::{json, Value};
//! use slackline_bot_test::{BotTest, Script};
//! use slackline_tokio::{SocketModeBuilder, WebClient};
//!
//! // The bot: the same function builds it in production and in tests.
//! fn echo_bot(slack: SocketModeBuilder, web: WebClient) -> SocketModeBuilder {
//!     slack.on_event("app_mention", move |envelope, _| {
//!         let web = web.clone();
//!         async move {
//!             let event = envelope.payload::<Value>().unwrap()["event"].clone();
//!             let (channel, text) = (event["channel"].as_str().unwrap(), event["text"].as_str().unwrap());
//!             web.chat_post_message(channel, text).await.unwrap();
//!         }
//!     })
//! }
//!
//! let script = Script::parse(r#"
//! {"slackline_script":1,"name":"doc","hello":{"approximate_connection_time":3600}}
//! {"after":"1s","label":"hi","envelope":{"type":"events_api","payload":{"event_id":"Ev1","event":{"type":"app_mention","channel":"C1","text":"hi"}}}}
//! {"after":"2h","disconnect":"link_disabled"}
//! "#).unwrap();
//! let run = BotTest::new(script).run(|slack| echo_bot(slack.socket_mode(), slack.web_client()));
//! run.assert_ok();
//! assert_eq!(run.calls("chat.postMessage")[0].arg("text"), Some("hi"));
//! ```
//!
//! ## How it works
//!
//! - **The seam is the runtime.** [`Slack::socket_mode`] and [`Slack::web_client`] build the
//!   real clients on a `TokioRuntime` carrying this crate's hooks
//!   (`slackline_async_driver::Hooks`): every connection the client opens — its URL
//!   requests, its WebSockets, your Web API calls — is an in-memory pipe to the virtual Slack
//!   instead of TCP. Above the pipe everything is the production code: hyper's HTTP client,
//!   tungstenite's WebSocket client, the drive loop, the session, the dispatcher, your
//!   handlers.
//! - **The virtual Slack** is one task owning the sans-IO `FakeSlack`: it reads the client's
//!   HTTP requests and WebSocket frames off the pipes, carries each over the network emulator
//!   of `slackline-sim` (the same one, and the same [`FaultPlan`]s, as the `Session` harness),
//!   and writes the fake's answers back.
//! - **Virtual time** is tokio's paused clock on a current-thread runtime: the client's
//!   timers (pings, deadlines, backoff, HTTP timeouts), the fake's and the network's are all
//!   tokio sleeps, and when every task waits, tokio jumps to the next one. Nothing else runs
//!   on the runtime's thread and no thread is spawned, so the order of everything is fixed:
//!   with [`BotTest::with_seed`] (the client's reconnect jitter) and the plan's seed (the
//!   network's), a run repeats exactly.
//! - **What you assert on** ([`BotRun`]): the Web API calls your bot made with their
//!   arguments and answers, and which handler made each; what each envelope was acked with and
//!   by whom; which handlers ran, panicked or never finished; the fake's verdict. A failing
//!   [`BotRun::assert_ok`] prints all of it in those terms.
//!
//! ## What has to be virtual
//!
//! Everything the bot waits on: tokio's timers are, and so is every connection built from the
//! test's [`Slack`]. A connection to anywhere else is refused and named in the report (build the
//! bot's clients from `slack`, not from `…::builder(token)`, whose URL is Slack's). The runtime
//! has no IO driver, so a real socket in a handler (a database) fails; fake it. A handler that
//! blocks the thread (`std::thread::sleep`) or spins without waiting stops virtual time, as it
//! would stall a real executor. A handler's Web API calls are attributed to it while it is
//! polled; calls from a task it spawned are listed without a handler.
//!
//! Bots are tested on tokio. smol has no virtual clock, and the blocking client runs on
//! threads and the system clock; neither can be run this way without changes to them.

#![warn(missing_docs, unreachable_pub)]

mod hooks;
mod pipe;
mod replay;
mod report;
mod script;
mod server;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use slackline::Config;
use slackline_fake::FakeSlack;
use slackline_tokio::{
    BoxFuture, Error, RtmBuilder, RtmClient, SocketModeBuilder, SocketModeClient, TokioRuntime,
    TranscriptSink, WebClient,
};
use slackline_transcript::Recorder;
use tokio::sync::Notify;

use hooks::{Observed, VirtualHooks, HOST, PORT};
use pipe::{lock, Signal};
use server::{peer, CallFate, Server, URL_METHODS};

pub use replay::ReplayCheck;
pub use report::{
    Ack, AckedBy, Answer, ApiCall, BotRun, Delivery, Ending, FaultReport, HandlerOutcome,
    HandlerRun, Work,
};
pub use script::{Envelope, IntoEnvelope, ScriptBuilder};
pub use slackline_fake::{AckOutcome, FakeConfig, Script, Verdict};
pub use slackline_sim::{Fault, FaultPlan, FaultProfile, NetFaults, TimedFault};
pub use slackline_transcript::{Divergence, Record, Transcript, TranscriptHeader};

/// The app-level token the test's clients use (any `xapp-` token works with the fake).
pub const APP_TOKEN: &str = "xapp-1-A0FAKEAPP01-1-bot-test";
/// The bot token the test's clients use.
pub const BOT_TOKEN: &str = "xoxb-1-bot-test";

/// Virtual time a run may take unless set otherwise.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(48 * 3600);
/// The client's seed unless set otherwise.
pub const DEFAULT_SEED: u64 = 1;
/// How long the client has to stop by itself after the script ends (the final
/// `link_disabled` has to reach it) before it is shut down.
const SETTLE: Duration = Duration::from_secs(10);
/// How long a shut-down client has to stop (its shutdown and close timeouts are shorter).
const WIND_DOWN: Duration = Duration::from_secs(120);
/// After the client stopped: what it last sent reaches the fake.
const LAST_PACKETS: Duration = Duration::from_secs(1);

#[derive(Clone, Debug)]
enum Source {
    Script(Script),
    Replay(Transcript),
}

/// A test of a bot: what Slack plays (a script or a recording), over which network, with
/// which seed. Run it with [`run`](Self::run), as often as you like.
#[derive(Clone, Debug)]
pub struct BotTest {
    source: Source,
    plan: FaultPlan,
    seed: u64,
    time_limit: Duration,
    fake: FakeConfig,
}

impl BotTest {
    /// The fake Slack plays `script` (see `scripts/README.md`, or [`ScriptBuilder`]) over a
    /// clean network with 2 ms of latency.
    pub fn new(script: Script) -> Self {
        BotTest {
            source: Source::Script(script),
            plan: FaultPlan::clean(slackline_sim::DEFAULT_LATENCY.as_millis() as u64),
            seed: DEFAULT_SEED,
            time_limit: DEFAULT_TIME_LIMIT,
            fake: FakeConfig::new(),
        }
    }

    /// Slack plays a recording back (`slackline record`, or any client's
    /// `ClientBuilder::transcript`): the recorded answers and frames at their recorded
    /// times, to today's bot, with the recorded seed. The run's [`BotRun::replay`] says where
    /// the bot now behaves differently; [`BotRun::assert_faithful`] fails on any difference.
    pub fn replay(recording: Transcript) -> Self {
        let seed = replay::recorded_seed(&recording).unwrap_or(DEFAULT_SEED);
        BotTest {
            source: Source::Replay(recording),
            plan: FaultPlan::clean(0),
            seed,
            time_limit: DEFAULT_TIME_LIMIT,
            fake: FakeConfig::new(),
        }
    }

    /// Runs over a faulty network with faults at given times (the `Session` harness's fault
    /// plans: drops, delays, partitions, half-open connections, Slack-side failures,
    /// redeliveries). Not for replays, which play the recording as it was.
    pub fn with_faults(mut self, plan: FaultPlan) -> Self {
        if matches!(self.source, Source::Script(_)) {
            self.plan = plan;
        }
        self
    }

    /// Seeds the client's reconnect jitter (default [`DEFAULT_SEED`]; a replay uses the
    /// recorded seed).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Stops the run after this much virtual time (default 48 hours).
    pub fn with_time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = limit;
        self
    }

    /// The fake's settings (accepted tokens, RTM burst).
    pub fn with_fake_config(mut self, config: FakeConfig) -> Self {
        self.fake = config;
        self
    }

    /// Runs the bot that `bot` builds (from the test's [`Slack`]: its builders and Web API
    /// client) until the script or recording has played and the client has stopped, in
    /// virtual time, on a runtime of its own. The test adds the seed and a transcript sink to
    /// the builder, and builds it.
    pub fn run<B: Bot>(&self, bot: impl FnOnce(&Slack) -> B) -> BotRun {
        // The run's real duration, for the report; nothing in the run reads the system clock
        // (this crate keeps the core's bans, `clippy.toml`: time is tokio's paused clock).
        #[allow(clippy::disallowed_methods)]
        let wall = std::time::Instant::now();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("a current-thread tokio runtime");
        let parts = Parts::default();
        let driven = runtime.block_on(self.drive(bot, &parts));
        // Handlers still running end with the runtime.
        drop(runtime);
        self.report(parts, driven, wall.elapsed())
    }

    async fn drive<B: Bot>(&self, bot: impl FnOnce(&Slack) -> B, parts: &Parts) -> Driven {
        let start = tokio::time::Instant::now();
        let signal = Arc::new(Signal::default());
        let ws_base = format!("ws://{HOST}:{PORT}");
        let peer: Box<dyn peer::Peer> = match &self.source {
            Source::Script(script) => Box::new(peer::Fake::new(FakeSlack::new(
                script.clone(),
                self.fake.clone().with_ws_base_url(ws_base),
                slackline::Instant::ZERO,
            ))),
            Source::Replay(recording) => Box::new(replay::Player::new(recording, ws_base)),
        };
        let finished = Arc::new(Notify::new());
        let server = Arc::new(Mutex::new(Server::new(
            peer,
            &self.plan,
            Arc::clone(&finished),
        )));
        let observed = Arc::new(Mutex::new(Observed::new(start)));
        *lock(&parts.server) = Some(Arc::clone(&server));
        *lock(&parts.observed) = Some(Arc::clone(&observed));
        tokio::spawn(server::serve(
            Arc::clone(&server),
            Arc::clone(&signal),
            start,
        ));
        let hooks = VirtualHooks {
            server,
            signal,
            observed,
        };
        let slack = Slack {
            runtime: TokioRuntime::with_hooks(Arc::new(hooks)),
            api_url: format!("http://{HOST}:{PORT}/api/"),
        };
        let sink = Recording(Arc::clone(&parts.transcript));
        let started = match bot(&slack).start(Setup {
            seed: self.seed,
            sink,
        }) {
            Ok(started) => started,
            Err(e) => {
                return Driven {
                    ending: Ending::BuildFailed(e.to_string()),
                    stopped: None,
                    elapsed: start.elapsed(),
                }
            }
        };
        let Started { shutdown, mut run } = started;
        let far = start + self.time_limit + WIND_DOWN;
        let mut shutdown_at = match &self.source {
            Source::Replay(recording) => replay::recorded_shutdown(recording).map(|d| start + d),
            Source::Script(_) => None,
        };
        let mut stopped = None;
        let mut ending = None;
        loop {
            tokio::select! {
                biased;
                result = &mut run => {
                    stopped = Some(result);
                    break;
                }
                () = finished.notified() => break,
                () = tokio::time::sleep_until(shutdown_at.unwrap_or(far)), if shutdown_at.is_some() => {
                    shutdown_at = None;
                    shutdown();
                }
                () = tokio::time::sleep_until(start + self.time_limit) => {
                    ending = Some(Ending::TimeLimit);
                    break;
                }
            }
        }
        if stopped.is_none() {
            let settle = match &self.source {
                // A replay compares only up to the end of the recording (and a second).
                Source::Replay(_) => Duration::from_secs(1),
                Source::Script(_) => SETTLE,
            };
            stopped = tokio::time::timeout(settle, &mut run).await.ok();
        }
        if stopped.is_none() {
            shutdown();
            stopped = tokio::time::timeout(WIND_DOWN, &mut run).await.ok();
            if stopped.is_none() {
                ending.get_or_insert(Ending::ClientDidNotStop);
            }
        }
        tokio::time::sleep(LAST_PACKETS).await;
        let elapsed = start.elapsed();
        if let Some(stall) = lock(&parts.server)
            .as_ref()
            .and_then(|s| lock(s).stalled.clone())
        {
            ending = Some(Ending::Stalled(stall));
        }
        Driven {
            ending: ending.unwrap_or(Ending::Finished),
            stopped: stopped.map(|r| r.map_err(|e| e.to_string())),
            elapsed,
        }
    }

    fn report(&self, parts: Parts, driven: Driven, wall_time: Duration) -> BotRun {
        let transcript = lock(&parts.transcript).take().unwrap_or_else(|| {
            let config = Config::socket_mode(APP_TOKEN);
            Transcript::new(Recorder::header(&config, None))
        });
        let server = lock(&parts.server).take();
        let server = server.as_ref().map(|s| lock(s));
        let observed = lock(&parts.observed).take();
        let observed = observed.as_ref().map(|o| lock(o));
        let (name, replay) = match &self.source {
            Source::Script(script) => (script.header().name.clone(), None),
            Source::Replay(recording) => (
                recording.header.note.clone(),
                Some(replay::compare(recording, &transcript)),
            ),
        };
        let mut handlers: Vec<HandlerRun> = observed
            .as_ref()
            .map(|o| {
                o.runs
                    .iter()
                    .map(|r| HandlerRun {
                        work: r.work.clone(),
                        started: r.started,
                        ended: r.ended,
                        outcome: match (&r.panic, r.ended) {
                            (Some(message), _) => HandlerOutcome::Panicked(message.clone()),
                            (None, Some(_)) => HandlerOutcome::Finished,
                            (None, None) => HandlerOutcome::TimedOut,
                        },
                        calls: Vec::new(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The bot's Web API calls (the client's own URL requests are its session's business).
        let mut calls = Vec::new();
        if let Some(server) = &server {
            for record in &server.log.calls {
                if URL_METHODS.contains(&record.method.as_str()) && record.handler.is_none() {
                    continue;
                }
                let answer = match &record.fate {
                    CallFate::Answered { at, status, body } => Some(Answer {
                        at: at.elapsed_since_epoch(),
                        status: *status,
                        body: report::body_json(body),
                    }),
                    _ => None,
                };
                if let Some(h) = record.handler.and_then(|h| handlers.get_mut(h)) {
                    h.calls.push(calls.len());
                }
                calls.push(ApiCall {
                    at: record.at.elapsed_since_epoch(),
                    method: record.method.clone(),
                    args: report::call_args(record.content_type.as_deref(), &record.body),
                    handler: record.handler,
                    answer,
                });
            }
        }
        let verdict = server.as_ref().and_then(|s| s.verdict());
        let deliveries = match &server {
            Some(server) => deliveries(
                verdict.as_ref(),
                &server.log,
                observed.as_deref(),
                &mut handlers,
                &transcript,
            ),
            None => Vec::new(),
        };
        let unrouted = observed
            .as_ref()
            .map(|o| {
                o.dispatched
                    .iter()
                    .filter(|d| d.run.is_none())
                    .map(|d| (d.at, d.work.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let faults = match &server {
            Some(server) => FaultReport {
                plan: self.plan.clone(),
                network: server.net_stats().clone(),
                applied: server.chaos.applied,
                skipped: server.chaos.skipped,
                corrupted_envelopes: server.chaos.corrupted_envelopes.clone(),
            },
            None => FaultReport {
                plan: self.plan.clone(),
                ..FaultReport::default()
            },
        };
        let refused = server
            .as_ref()
            .map(|s| s.log.refused.clone())
            .unwrap_or_default();
        BotRun {
            name,
            ending: driven.ending,
            stopped: driven.stopped,
            elapsed: driven.elapsed,
            wall_time,
            verdict,
            transcript,
            replay,
            faults,
            deliveries,
            handlers,
            calls,
            unrouted,
            refused,
        }
    }
}

/// What the run's pieces leave for the report, once the runtime is gone.
#[derive(Default)]
struct Parts {
    transcript: Arc<Mutex<Option<Transcript>>>,
    server: Mutex<Option<Arc<Mutex<Server>>>>,
    observed: Mutex<Option<Arc<Mutex<Observed>>>>,
}

struct Driven {
    ending: Ending,
    stopped: Option<Result<(), String>>,
    elapsed: Duration,
}

/// The deliveries, in the fake's order (or, in a replay, in the order frames reached the
/// client), with their acks and handlers.
fn deliveries(
    verdict: Option<&Verdict>,
    log: &server::Log,
    observed: Option<&Observed>,
    handlers: &mut [HandlerRun],
    transcript: &Transcript,
) -> Vec<Delivery> {
    // What each envelope looked like on the wire (its route), by id.
    let mut frames: BTreeMap<String, Value> = BTreeMap::new();
    let mut from_log = Vec::new();
    for frame in &log.to_client {
        let Ok(value) = serde_json::from_str::<Value>(&frame.text) else {
            continue;
        };
        let (Some(id), Some(_)) = (
            value.get("envelope_id").and_then(Value::as_str),
            value.get("type").and_then(Value::as_str),
        ) else {
            continue;
        };
        from_log.push((frame.at.elapsed_since_epoch(), value.clone()));
        frames.entry(id.to_owned()).or_insert(value);
    }
    let mut list: Vec<Delivery> = match verdict {
        Some(verdict) => verdict
            .envelopes
            .iter()
            .map(|d| Delivery {
                label: d.label.clone(),
                work: Work {
                    kind: d.kind.clone(),
                    route: frames.get(&d.envelope_id).and_then(route),
                    envelope_id: Some(d.envelope_id.clone()),
                    event_id: d.event_id.clone(),
                    retry_attempt: u32::try_from(d.retry_attempt).unwrap_or(u32::MAX),
                    label: Some(d.label.clone()),
                },
                accepts_response_payload: d.accepts_response_payload,
                at: Duration::from_millis(d.delivered_ms),
                received: None,
                outcome: Some(d.outcome),
                ack: None,
                handlers: Vec::new(),
                dispatched: false,
            })
            .collect(),
        None => from_log
            .iter()
            .map(|(at, value)| {
                let str_of = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
                Delivery {
                    label: String::new(),
                    work: Work {
                        kind: str_of(value.get("type")).unwrap_or_default(),
                        route: route(value),
                        envelope_id: str_of(value.get("envelope_id")),
                        event_id: str_of(value.get("payload").and_then(|p| p.get("event_id"))),
                        retry_attempt: value
                            .get("retry_attempt")
                            .and_then(Value::as_u64)
                            .and_then(|n| u32::try_from(n).ok())
                            .unwrap_or(0),
                        label: None,
                    },
                    accepts_response_payload: value
                        .get("accepts_response_payload")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    at: *at,
                    received: None,
                    outcome: None,
                    ack: None,
                    handlers: Vec::new(),
                    dispatched: false,
                }
            })
            .collect(),
    };
    type Key = (String, u32);
    let key = |work: &Work| Some((work.envelope_id.clone()?, work.retry_attempt));
    // When each delivery reached the client intact (first copy), by envelope id and attempt.
    let mut arrivals: BTreeMap<Key, Duration> = BTreeMap::new();
    for (at, value) in &from_log {
        let id = value.get("envelope_id").and_then(Value::as_str);
        let retry = value
            .get("retry_attempt")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if let (Some(id), Ok(retry)) = (id, u32::try_from(retry)) {
            arrivals.entry((id.to_owned(), retry)).or_insert(*at);
        }
    }
    // Acks as Slack received them, by envelope id in the order they came.
    let mut acks: BTreeMap<String, Vec<(Duration, Option<Value>, bool)>> = BTreeMap::new();
    for frame in &log.from_client {
        let Ok(value) = serde_json::from_str::<Value>(&frame.text) else {
            continue;
        };
        if let Some(id) = value.get("envelope_id").and_then(Value::as_str) {
            let payload = value.get("payload").cloned();
            acks.entry(id.to_owned()).or_default().push((
                frame.at.elapsed_since_epoch(),
                payload,
                false,
            ));
        }
    }
    let by_app = report::app_acks(transcript);
    let mut dispatched_at: BTreeMap<Key, Duration> = BTreeMap::new();
    for d in observed
        .map(|o| o.dispatched.as_slice())
        .unwrap_or_default()
    {
        if let Some(k) = key(&d.work) {
            dispatched_at.entry(k).or_insert(d.at);
        }
    }
    let mut runs: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    for (i, run) in handlers.iter().enumerate() {
        if let Some(k) = key(&run.work) {
            runs.entry(k).or_default().push(i);
        }
    }
    for delivery in &mut list {
        let Some(k) = key(&delivery.work) else {
            continue;
        };
        delivery.received = arrivals.get(&k).copied();
        let dispatched = dispatched_at.get(&k).copied();
        delivery.dispatched = dispatched.is_some();
        for &i in runs.get(&k).map(Vec::as_slice).unwrap_or_default() {
            handlers[i].work.label = delivery.work.label.clone();
            delivery.handlers.push(i);
        }
    }
    // Each delivery that reached the client gets the first ack of its envelope sent after it
    // arrived, in the order they arrived (acks carry only the envelope id: a redelivery's ack
    // and the original's look the same; the client acks every copy it receives).
    let mut order: Vec<usize> = (0..list.len())
        .filter(|&i| list[i].received.is_some())
        .collect();
    order.sort_by_key(|&i| list[i].received);
    for i in order {
        let delivery = &mut list[i];
        let (Some(received), Some(id)) = (delivery.received, delivery.work.envelope_id.clone())
        else {
            continue;
        };
        let Some(ack) = acks.get_mut(&id).and_then(|list| {
            list.iter_mut()
                .find(|(at, _, used)| !used && *at >= received)
        }) else {
            continue;
        };
        ack.2 = true;
        let at = ack.0;
        let by_handler = by_app
            .get(&id)
            .is_some_and(|times| times.iter().any(|&t| received <= t && t <= at));
        let dispatched = delivery.dispatched.then_some(received);
        // Acked later than it was handed over, and not by the app: the deadline's doing.
        let by = if by_handler {
            AckedBy::Handler
        } else if dispatched.is_some_and(|d| at > d) {
            AckedBy::Deadline
        } else {
            AckedBy::Client
        };
        delivery.ack = Some(Ack {
            at,
            payload: ack.1.clone(),
            by,
        });
    }
    list
}

/// An envelope's routing key, as the client routes it.
fn route(envelope: &Value) -> Option<String> {
    let payload = envelope.get("payload")?;
    let key = match envelope.get("type")?.as_str()? {
        "events_api" => payload.get("event")?.get("type")?,
        "slash_commands" => payload.get("command")?,
        _ => payload.get("type")?,
    };
    key.as_str().map(str::to_owned)
}

/// The virtual Slack, as the bot under test sees it: build the bot's clients from it.
#[derive(Clone, Debug)]
pub struct Slack {
    runtime: TokioRuntime,
    api_url: String,
}

impl Slack {
    /// A Socket Mode builder on the test's runtime, with the test's app token and the fake's
    /// Web API URL: add your handlers to it (`slackline_tokio::SocketModeClient::builder`
    /// in production).
    pub fn socket_mode(&self) -> SocketModeBuilder {
        SocketModeClient::builder_on(self.runtime.clone(), APP_TOKEN).api_url(&self.api_url)
    }

    /// An RTM builder on the test's runtime, with the test's bot token.
    pub fn rtm(&self) -> RtmBuilder {
        RtmClient::builder_on(self.runtime.clone(), BOT_TOKEN).api_url(&self.api_url)
    }

    /// A Web API client on the test's runtime, with the test's bot token, calling the fake.
    pub fn web_client(&self) -> WebClient {
        WebClient::builder_on(self.runtime.clone(), BOT_TOKEN)
            .api_url(&self.api_url)
            .build()
            .expect("a Web API client for the fake Slack")
    }

    /// The runtime value to build other clients on (`…::builder_on(slack.runtime(), …)`).
    pub fn runtime(&self) -> TokioRuntime {
        self.runtime.clone()
    }

    /// The fake's Web API base URL (`http://127.0.0.1:7357/api/`, reachable only in the test).
    pub fn api_url(&self) -> &str {
        &self.api_url
    }
}

/// What the test adds to the bot's builder.
#[derive(Debug)]
pub struct Setup {
    seed: u64,
    sink: Recording,
}

/// A bot ready to start: a Socket Mode or RTM builder with its handlers.
pub trait Bot {
    /// Adds the test's seed and transcript sink, builds the client and starts it.
    fn start(self, setup: Setup) -> Result<Started, Error>;
}

/// A started bot.
pub struct Started {
    shutdown: Box<dyn Fn() + Send>,
    run: BoxFuture<'static, Result<(), Error>>,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Started")
    }
}

impl Bot for SocketModeBuilder {
    fn start(self, setup: Setup) -> Result<Started, Error> {
        let client = self.seed(setup.seed).transcript(setup.sink).build()?;
        let handle = client.handle();
        Ok(Started {
            shutdown: Box::new(move || {
                handle.try_shutdown();
            }),
            run: Box::pin(client.run()),
        })
    }
}

impl Bot for RtmBuilder {
    fn start(self, setup: Setup) -> Result<Started, Error> {
        let client = self.seed(setup.seed).transcript(setup.sink).build()?;
        let handle = client.handle();
        Ok(Started {
            shutdown: Box::new(move || {
                handle.try_shutdown();
            }),
            run: Box::pin(client.run()),
        })
    }
}

/// The client's transcript, kept for the report.
#[derive(Debug)]
struct Recording(Arc<Mutex<Option<Transcript>>>);

impl TranscriptSink for Recording {
    fn header(&mut self, header: TranscriptHeader) {
        *lock(&self.0) = Some(Transcript::new(header));
    }

    fn record(&mut self, record: Record) {
        if let Some(t) = lock(&self.0).as_mut() {
            t.records.push(record);
        }
    }
}
