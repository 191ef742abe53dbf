//! Chaos runs: a `Session` against `FakeSlack` through the harness's faulty network, under a
//! fault plan. A workload (envelopes or RTM messages spread over a span), a bot that acks the
//! way real apps do (at once, a bit later, too late, never), and what must hold afterwards:
//! no breach of the audit, no rule the fake saw broken that the faults do not explain, and
//! nothing lost. Shared by the chaos properties, the long runs and the `chaos` fuzz target.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::json;
use slackline::{AckState, Config, Event, Instant, RequestId, RtmOutcome};
use slackline_fake::script::{EnvelopeStep, ScriptEnvelope, StepAction, Target, Timing};
use slackline_fake::{AckOutcome, Script, ScriptHeader};
use slackline_sim::{
    Bot, Ctx, Direction, Ending, Fault, FaultPlan, Harness, NetFaults, Outcome, TimedFault, Which,
};

pub const APP_TOKEN: &str = "xapp-1-A0FAKEAPP01-1-chaos-app-secret";
pub const BOT_TOKEN: &str = "xoxb-1-2-chaos-bot-secret";

/// What the fake plays and the client runs.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Socket Mode envelopes, or RTM messages the bot sends.
    pub messages: usize,
    /// How long the traffic lasts; the run ends `calm` later.
    pub span: Duration,
    /// Quiet time after the traffic, for retries and redeliveries to settle.
    pub calm: Duration,
    /// `approximate_connection_time` in the fake's hello (seconds).
    pub lifetime_secs: u64,
    /// Ask for `debug_reconnects` (360 s connections) instead.
    pub debug_reconnects: bool,
    /// The connection pool.
    pub connections: u8,
    /// RTM instead of Socket Mode.
    pub rtm: bool,
    /// Liveness: ping interval and pong timeout of the session.
    pub ping: Duration,
    pub pong: Duration,
    /// Every ack is the app's and a missed deadline is only reported (what `slackline listen`
    /// and the Redis hand-off run with): the bot then acks every envelope, some late.
    pub app_acks: bool,
}

impl Workload {
    /// A short Socket Mode run with six-minute connections: every case sees refreshes.
    pub fn short() -> Self {
        Workload {
            messages: 60,
            span: Duration::from_secs(20 * 60),
            calm: Duration::from_secs(5 * 60),
            lifetime_secs: 360,
            debug_reconnects: false,
            connections: 1,
            rtm: false,
            ping: Duration::from_secs(10),
            pong: Duration::from_secs(10),
            app_acks: false,
        }
    }

    pub fn labels(&self) -> Vec<String> {
        (0..self.messages).map(label).collect()
    }

    /// Labels of the envelopes with an `event_id`: the ones Slack may redeliver under a fresh
    /// `envelope_id` (the others a client cannot tell from new ones).
    pub fn redeliverable(&self) -> Vec<String> {
        (0..self.messages)
            .filter(|&i| kind_of(i) == "events_api")
            .map(label)
            .collect()
    }

    pub fn config(&self) -> Config {
        let config = if self.rtm {
            Config::rtm(BOT_TOKEN)
        } else {
            Config::socket_mode(APP_TOKEN)
                .with_connections(self.connections)
                .with_debug_reconnects(self.debug_reconnects)
        };
        let config = if self.app_acks {
            config
                .with_app_acks(true)
                .with_late_ack_policy(slackline::LateAckPolicy::Report)
        } else {
            config
        };
        config
            .with_seed(7)
            .with_ping_interval(self.ping)
            .with_pong_timeout(self.pong)
            .with_backoff(Duration::from_millis(500), Duration::from_secs(30))
    }

    pub fn script(&self) -> Script {
        let mut header = ScriptHeader::default();
        header.name = Some("chaos".into());
        header.hello.approximate_connection_time = Some(self.lifetime_secs);
        // Slack keeps retrying an unacked envelope; here until it is acked, so that a loss
        // can only be the client's.
        header.max_redeliveries = 1000;
        header.server_ping_interval = Some(Duration::from_secs(30));
        let mut script = Script::new(header);
        if !self.rtm {
            let spacing = self.span / (self.messages.max(1) as u32);
            for i in 0..self.messages {
                let step = EnvelopeStep {
                    envelope: envelope(i),
                    label: label(i),
                    target: Target::Any,
                    redeliver: None,
                };
                script.push(
                    Timing::At(spacing * i as u32 + Duration::from_secs(1)),
                    StepAction::Envelope(step),
                );
            }
        }
        script.push(Timing::At(self.span + self.calm), StepAction::End);
        script
    }
}

fn label(i: usize) -> String {
    format!("m{i}")
}

fn kind_of(i: usize) -> &'static str {
    match i % 7 {
        0 => "slash_commands",
        1 => "interactive",
        _ => "events_api",
    }
}

/// Envelope `i`: ids that name it (`env-i`, `Ev-i`), so dispatches can be counted per label.
fn envelope(i: usize) -> ScriptEnvelope {
    let kind = kind_of(i);
    let payload = match kind {
        "events_api" => json!({"type": "event_callback", "event_id": format!("Ev-{i}"),
            "event": {"type": "message", "text": format!("hello {i}")}}),
        "slash_commands" => json!({"command": "/chaos", "text": format!("{i}")}),
        _ => json!({"type": "block_actions", "actions": [{"value": format!("{i}")}]}),
    };
    let frame = json!({
        "envelope_id": format!("env-{i}"),
        "type": kind,
        "accepts_response_payload": kind == "slash_commands",
        "payload": payload,
    });
    ScriptEnvelope::parse(&frame.to_string(), false).expect("a valid envelope")
}

/// The label an envelope or event id names.
fn label_of(id: &str) -> Option<String> {
    let n = id.strip_prefix("env-").or_else(|| id.strip_prefix("Ev-"))?;
    n.parse::<usize>().ok().map(label)
}

/// Acks like real apps do: most at once, some a second later, a few too late (the session has
/// auto-acked by then), a few never. RTM: a message every few seconds, then a shutdown.
#[derive(Debug, Default)]
pub struct ChaosBot {
    rtm_until: Option<Instant>,
    rtm_left: usize,
    rtm_every: Duration,
    rtm_started: bool,
    later: BTreeMap<Instant, Vec<String>>,
    /// Ack every envelope (under app acks nobody else would).
    acks_all: bool,
    pub rtm_ids: BTreeSet<u64>,
    pub rtm_outcomes: BTreeMap<u64, Vec<RtmOutcome>>,
}

impl ChaosBot {
    pub fn for_workload(w: &Workload) -> Self {
        ChaosBot {
            rtm_until: w.rtm.then(|| Instant::ZERO + w.span),
            rtm_left: if w.rtm { w.messages } else { 0 },
            rtm_every: w.span / (w.messages.max(1) as u32),
            acks_all: w.app_acks,
            ..ChaosBot::default()
        }
    }

    fn plan_wake(&mut self, ctx: &mut Ctx<'_>) {
        let next = self.later.keys().next().copied();
        if let Some(at) = next {
            ctx.wake_at(at);
        }
    }
}

impl Bot for ChaosBot {
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: &Event) {
        match event {
            Event::Envelope(envelope) => {
                let AckState::AwaitingApp { .. } = envelope.ack_state() else {
                    return;
                };
                let id = envelope.envelope_id().into_owned();
                let n: usize = id.bytes().map(usize::from).sum();
                let delay = match n % 20 {
                    0 if self.acks_all => Some(Duration::from_secs(6)), // later still, within the grace
                    0 => None,                             // never: the session auto-acks
                    1 | 2 => Some(Duration::from_secs(4)), // too late: refused
                    3..=7 => Some(Duration::from_secs(1)),
                    _ => Some(Duration::ZERO),
                };
                match delay {
                    Some(Duration::ZERO) => {
                        let _ = ctx.ack_with(&id, &json!({"text": "done"}));
                    }
                    Some(d) => {
                        self.later.entry(ctx.now() + d).or_default().push(id);
                        self.plan_wake(ctx);
                    }
                    None => {}
                }
            }
            Event::Hello(_) if self.rtm_until.is_some() && !self.rtm_started => {
                self.rtm_started = true;
                ctx.wake_at(ctx.now() + self.rtm_every);
            }
            Event::RtmReply(reply) => {
                self.rtm_outcomes
                    .entry(reply.id)
                    .or_default()
                    .push(reply.outcome.clone());
            }
            _ => {}
        }
    }

    fn on_api_response(&mut self, _: &mut Ctx<'_>, _: RequestId, _: &slackline::HttpResponse) {}

    fn on_wake(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now();
        let due: Vec<Instant> = self.later.range(..=now).map(|(&at, _)| at).collect();
        for at in due {
            for id in self.later.remove(&at).unwrap_or_default() {
                let _ = ctx.ack_with(&id, &json!({"text": "late"}));
            }
        }
        self.plan_wake(ctx);
        if let Some(until) = self.rtm_until {
            if now >= until {
                self.rtm_until = None;
                ctx.shutdown();
            } else if self.rtm_left > 0 {
                self.rtm_left -= 1;
                if let Ok(id) = ctx.send_message("C0CHAOS", &format!("message {}", self.rtm_left)) {
                    self.rtm_ids.insert(id);
                }
                ctx.wake_at((now + self.rtm_every).min(until));
            } else {
                ctx.wake_at(until);
            }
        }
    }
}

/// A chaos run and what the bot saw.
pub struct ChaosRun {
    pub outcome: Outcome,
    pub bot: ChaosBot,
}

pub fn run(workload: &Workload, plan: &FaultPlan) -> ChaosRun {
    // The quiet end must leave time to recover from everything the plan throws at the client,
    // or nothing-lost could not hold for any client.
    let workload = &Workload {
        calm: workload.calm + recovery_time(plan),
        ..workload.clone()
    };
    let mut bot = ChaosBot::for_workload(workload);
    let outcome = Harness::new(workload.config(), workload.script())
        .expect("a valid config")
        .with_faults(plan.clone())
        .with_time_limit(workload.span + workload.calm + Duration::from_secs(3600))
        .run_bot(&mut bot);
    ChaosRun { outcome, bot }
}

/// An upper bound on how long a correct client can be kept from getting back (with the
/// workload's backoff cap of 30 s): every wait the plan forces, one after the other.
pub fn recovery_time(plan: &FaultPlan) -> Duration {
    const BACKOFF_MAX: u64 = 30;
    const HTTP_TIMEOUT: u64 = 15;
    let secs: u64 = plan
        .faults
        .iter()
        .map(|f| match &f.fault {
            Fault::ApiError {
                retry_after_s,
                times,
                ..
            } => u64::from(*times) * retry_after_s.unwrap_or(30).max(BACKOFF_MAX),
            Fault::ApiNoAnswer { times } => u64::from(*times) * (HTTP_TIMEOUT + BACKOFF_MAX),
            Fault::HandshakeFailure { times, .. } => u64::from(*times) * BACKOFF_MAX,
            Fault::Partition { duration_ms } => duration_ms / 1000 + BACKOFF_MAX,
            // Replacements back off while it lasts, and the backoff may be at its cap after.
            Fault::RefreshAfterHello { duration_ms, .. } => duration_ms / 1000 + BACKOFF_MAX,
            _ => 0,
        })
        .sum();
    Duration::from_secs(secs)
}

/// The most connection URL requests a correct client makes in `elapsed` whatever the server
/// asks: per pooled connection, one per 15 s (half the workload's 30 s backoff cap: the
/// shortest retry once replacements that live less than `stable_after`, 30 s, have backed off
/// to the cap; a connection that lived longer is replaced at once, at most every 30 s), plus
/// 20 for the start and the first, short retries of each backoff.
pub fn url_request_budget(workload: &Workload, elapsed: Duration) -> u64 {
    const SPACING_SECS: u64 = 15;
    const ALLOWANCE: u64 = 20;
    let per_connection = ALLOWANCE + elapsed.as_secs() / SPACING_SECS;
    u64::from(workload.connections.max(1)) * per_connection
}

/// The audit found nothing, the fake saw no rule broken that the faults do not explain, and
/// the run reached its end.
pub fn assert_correct(run: &ChaosRun, plan: &FaultPlan) {
    let outcome = &run.outcome;
    let context = || {
        format!(
            "\nplan:\n{plan}\nverdict: {}",
            outcome.verdict.summary_text()
        )
    };
    assert!(
        outcome.breaches.is_empty(),
        "{} breaches, first: {}{}",
        outcome.breaches.len(),
        outcome.breaches[0],
        context()
    );
    let unexplained: Vec<String> = outcome
        .verdict
        .violations
        .iter()
        .filter(|v| !plan.excuses(&v.kind))
        .map(|v| format!("at {} ms: {}", v.at_ms, v.kind))
        .collect();
    assert!(unexplained.is_empty(), "{unexplained:#?}{}", context());
    // A stopped session leaves the fake waiting for a connection for the rest of the script.
    let ended = matches!(outcome.ending, Ending::Finished)
        || outcome.stop_reason.is_some()
            && matches!(outcome.ending, Ending::Idle | Ending::TimeLimit);
    assert!(ended, "{:?}{}", outcome.ending, context());
    for (id, outcomes) in &run.bot.rtm_outcomes {
        assert_eq!(
            outcomes.len(),
            1,
            "RTM message {id}: {outcomes:?}{}",
            context()
        );
    }
    if outcome.stop_reason.is_some() {
        for id in &run.bot.rtm_ids {
            assert!(
                run.bot.rtm_outcomes.contains_key(id),
                "RTM message {id} has no outcome{}",
                context()
            );
        }
    }
}

/// Nothing lost: every envelope was acked by the end and dispatched (unless a copy of it was
/// corrupted on the way: its id may have been salvaged and acked without a dispatch, and Slack
/// does not redeliver what was acked). Dispatched exactly once as far as the session can
/// know: the audit fails any second dispatch within the dedupe window; a redelivery later
/// than that (the fake retries until acked, Slack gives up after minutes) is a new delivery.
pub fn assert_nothing_lost(run: &ChaosRun, workload: &Workload, plan: &FaultPlan) {
    let outcome = &run.outcome;
    let mut dispatched: BTreeSet<String> = BTreeSet::new();
    for envelope in outcome.envelopes() {
        let by_event = envelope.event_id().and_then(|e| label_of(&e));
        let Some(label) = by_event.or_else(|| label_of(&envelope.envelope_id())) else {
            // A copy whose ids were mangled on the way (the session leaves payloads unparsed).
            assert!(
                plan.net.corrupt_per_mille > 0,
                "unknown envelope {envelope:?}"
            );
            continue;
        };
        dispatched.insert(label);
    }
    let acked: BTreeSet<&str> = outcome
        .verdict
        .envelopes
        .iter()
        .filter(|d| matches!(d.outcome, AckOutcome::Acked | AckOutcome::Late))
        .map(|d| d.label.as_str())
        .collect();
    let corrupted: BTreeSet<String> = outcome
        .chaos
        .corrupted_envelopes
        .iter()
        .filter_map(|id| label_of(id))
        .collect();
    for (i, label) in workload.labels().iter().enumerate() {
        let context = || format!("envelope {i} ({label})\nplan:\n{plan}");
        assert!(acked.contains(label.as_str()), "never acked: {}", context());
        assert!(
            dispatched.contains(label) || corrupted.contains(label),
            "never dispatched: {}",
            context()
        );
    }
}

/// A plan from fuzzer bytes: a seed and the network from the first bytes, then one fault per
/// four bytes (kind, time, argument), spread over `span`. Fatal answers are among them.
pub fn plan_from_bytes(data: &[u8], span: Duration, labels: &[String]) -> FaultPlan {
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next().unwrap_or(0);
    let seed = u64::from_le_bytes([next(), next(), next(), next(), 0, 0, 0, 0]);
    let net = NetFaults {
        latency_ms: 1 + u64::from(next() % 30),
        jitter_ms: u64::from(next() % 100),
        drop_per_mille: u16::from(next() % 32),
        duplicate_per_mille: u16::from(next() % 32),
        corrupt_per_mille: u16::from(next() % 16),
    };
    let span_ms = span.as_millis().max(1) as u64;
    let mut faults = Vec::new();
    for chunk in data.get(9..).unwrap_or_default().chunks(4).take(64) {
        let b = |i: usize| chunk.get(i).copied().unwrap_or(0);
        let at_ms = u64::from(u16::from_le_bytes([b(1), b(2)])) * span_ms / 65_536;
        let arg = b(3);
        let which = [Which::Oldest, Which::Newest, Which::All][usize::from(arg % 3)];
        let fault = match b(0) % 12 {
            0 => Fault::Cut {
                conn: arg,
                direction: [Direction::Both, Direction::ToClient, Direction::ToServer]
                    [usize::from(arg % 3)],
                server_notices_after_ms: (arg % 8 != 0).then(|| u64::from(arg) * 2_000),
            },
            1 => Fault::Reset { conn: arg },
            2 => Fault::Partition {
                duration_ms: u64::from(arg) * 200,
            },
            3 => Fault::ApiError {
                status: 429,
                retry_after_s: (arg % 4 != 0).then_some(u64::from(arg % 40)),
                error: None,
                times: 1 + u32::from(arg % 3),
            },
            4 => Fault::ApiError {
                status: [500, 503, 200][usize::from(arg % 3)],
                retry_after_s: None,
                error: Some("internal_error".into()),
                times: 1 + u32::from(arg % 3),
            },
            5 => Fault::ApiNoAnswer {
                times: 1 + u32::from(arg % 2),
            },
            6 => Fault::HandshakeFailure {
                status: [404, 500][usize::from(arg % 2)],
                times: 1,
            },
            7 => Fault::Disconnect {
                reason: [
                    "warning",
                    "refresh_requested",
                    "too_many_websockets",
                    "socket_mode_restart",
                ][usize::from(arg % 4)]
                .into(),
                socket: which,
            },
            8 => Fault::ServerClose {
                code: [1000, 1001, 1006, 1011][usize::from(arg % 4)],
                socket: which,
            },
            9 => Fault::Silence { socket: which },
            10 if arg % 4 == 0 => Fault::Disconnect {
                reason: "link_disabled".into(),
                socket: which,
            },
            10 if arg % 4 == 1 => Fault::ApiError {
                status: 200,
                retry_after_s: None,
                error: Some("invalid_auth".into()),
                times: 100_000,
            },
            _ if !labels.is_empty() => Fault::Redeliver {
                label: labels[usize::from(arg) % labels.len()].clone(),
                new_envelope_id: arg % 2 == 0,
            },
            _ => Fault::Reset { conn: arg },
        };
        faults.push(TimedFault { at_ms, fault });
    }
    FaultPlan { seed, net, faults }
}
